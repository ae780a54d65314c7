"""One error format for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


# The body of every error answer, for the OpenAPI schema of the views that document their errors.
class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(allow_null=True)
    status = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class Conflict(exceptions.APIException):
    """409 `conflict`: the step is not allowed in the object's current state; raised with the service's message.
    Django ValidationErrors need no wrapping: `exception_handler` answers them 400 `invalid`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state of the object.")
    default_code = "conflict"


def error_response(code: str, message, details, http_status: int = status.HTTP_400_BAD_REQUEST, headers=None):
    """An answer in the API's error format, for a view that reports an error it found itself (per-row errors)."""
    body = {"error": {"code": code, "message": str(message), "details": details, "status": http_status}}
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code, message, details = "invalid", _("The request has invalid data."), response.data
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        data = response.data
        message = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
        details = None
    headers = {k: v for k, v in response.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")}
    return error_response(code, message, details, response.status_code or status.HTTP_400_BAD_REQUEST, headers)
