"""localaws athena (placeholder until its issue lands: moto answers every athena request)."""

from localaws.service import Service


class AthenaService(Service):
    name = "athena"
