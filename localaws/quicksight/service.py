"""localaws quicksight (placeholder until its issue lands: moto answers every quicksight request)."""

from localaws.service import Service


class QuickSightService(Service):
    name = "quicksight"
