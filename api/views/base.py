"""What every API view shares: the client's secret, its scope, its allowance of calls, errors
as problem details, and a record of the call."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safeguard.params import whole_number

from ..authentication import ClientTokenAuthentication, client_of
from ..permissions import HasScope
from ..services import api_call_record
from ..throttling import ClientRateThrottle


class ClientApiView(APIView):
    """An operation of the API. Set `required_scope` (None: any client of the school)."""

    authentication_classes: ClassVar[list[Any]] = [ClientTokenAuthentication]
    permission_classes: ClassVar[list[Any]] = [HasScope]
    throttle_classes: ClassVar[list[Any]] = [ClientRateThrottle]
    required_scope: ClassVar[str | None] = None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # Not one transaction for the request: the record of a refused call must be kept when
        # what it asked for is rolled back. Each service is atomic on its own.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        self._record(request, response.status_code)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        try:
            return super().handle_exception(exc)
        except Exception:
            # A server error (answered by handler500 as a problem): recorded as well.
            self._record(self.request, 500)
            raise

    def _record(self, request: Request, status: int) -> None:
        client = client_of(request)
        if client is None:
            return
        match = request.resolver_match
        kwargs = match.kwargs if match else {}
        api_call_record(
            client=client,
            method=request.method or "",
            route="/" + (match.route if match else request.path),
            scope=self.required_scope or "",
            school_id=whole_number(str(kwargs.get("school_id", ""))),
            trust_id=whole_number(str(kwargs.get("trust_id", ""))),
            status=status,
        )
