"""localaws firehose (placeholder until its issue lands: moto answers every firehose request)."""

from localaws.service import Service


class FirehoseService(Service):
    name = "firehose"
