"""QuickSight's REST-JSON errors: the code in ``x-amzn-ErrorType``, a JSON body with Message and RequestId."""

from __future__ import annotations

import json
import uuid

from werkzeug.wrappers import Response

from localaws.service import AWSError


class QuickSightError(AWSError):
    """An error answered as QuickSight answers it (its codes carry their own HTTP statuses)."""

    def __init__(self, code: str, message: str, status: int = 400, resource_type: str | None = None):
        super().__init__(code, message, status)
        self.resource_type = resource_type

    def response(self) -> Response:
        body = {"Message": self.message, "RequestId": str(uuid.uuid4())}
        if self.resource_type:
            body["ResourceType"] = self.resource_type
        return Response(
            json.dumps(body),
            status=self.status,
            content_type="application/json",
            headers={"x-amzn-ErrorType": self.code, "x-amzn-RequestId": body["RequestId"]},
        )


def not_found(resource_type: str, what: str) -> QuickSightError:
    return QuickSightError("ResourceNotFoundException", f"{what} not found.", 404, resource_type)


def exists(resource_type: str, what: str) -> QuickSightError:
    return QuickSightError("ResourceExistsException", f"{what} already exists.", 409, resource_type)


def invalid(message: str) -> QuickSightError:
    return QuickSightError("InvalidParameterValueException", message, 400)


def conflict(message: str) -> QuickSightError:
    return QuickSightError("ConflictException", message, 409)
