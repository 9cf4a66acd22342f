"""localaws lambda (placeholder until its issue lands: moto answers every lambda request)."""

from localaws.service import Service


class LambdaService(Service):
    name = "lambda"
