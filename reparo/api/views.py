"""The REST API for partner systems, its reference page, and the page where an organisation keeps its API tokens.

Every endpoint acts as the organisation of the token it is called with (no session counts here), reads through the
same selectors and writes through the same services as the pages: a token sees exactly what a person of its
organisation holding the same capabilities would, and "not yours" answers 404 as there. Each call is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers as drf
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability, TokenScope
from reparo.api import docs, present, selectors, services
from reparo.api import serializers as s
from reparo.api.auth import HasScope, TokenAuthentication, TokenRateThrottle
from reparo.api.forms import TokenForm
from reparo.api.models import ApiToken
from reparo.api.problems import PROBLEM
from reparo.core.actions import add_service_errors, run_action
from reparo.core.decorators import public
from reparo.core.pagination import page_of
from reparo.interop import formats
from reparo.interop import selectors as interop_selectors
from reparo.interop import services as interop_services
from reparo.referrals import selectors as referral_selectors
from reparo.referrals import services as referral_services
from reparo.referrals.models import PARTNER_SEES_PACKET, Referral, ReferralStatus, Side
from reparo.releases import selectors as release_selectors
from reparo.releases import services as release_services

PER_PAGE = 50

ERROR_WORDS = {
    400: "Some values are not valid (`errors` says which).",
    401: "No token, or one that is unknown, expired or revoked.",
    403: "The token does not hold the scope this needs.",
    404: "Nothing here: missing, or not for this token's organisation.",
    429: "Too many calls in this minute (see Retry-After).",
}


def _errors(*codes: int) -> dict[Any, Any]:
    return {(code, PROBLEM): OpenApiResponse(s.Problem, description=ERROR_WORDS[code]) for code in codes}


def _ok(serializer: Any, code: int = 200, description: str = "") -> dict[Any, Any]:
    return {(code, "application/json"): OpenApiResponse(serializer, description=description)}


class JsonOnly(BaseContentNegotiation):
    """The API answers JSON (and problem details) whatever the client asks for."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    """An endpoint: a token (never a session) with the scope named for the method, within the rate limit. The sign-in
    middleware lets it through (``reparo_public``): the token decides, and answers 401 without one."""

    reparo_public = True
    authentication_classes: ClassVar[list[Any]] = [TokenAuthentication]
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated, HasScope]
    throttle_classes: ClassVar[list[Any]] = [TokenRateThrottle]
    renderer_classes: ClassVar[list[Any]] = [JSONRenderer]
    parser_classes: ClassVar[list[Any]] = [JSONParser]
    content_negotiation_class = JsonOnly
    required_scopes: ClassVar[dict[str, TokenScope]] = {}
    # The query parameters each method takes (a serializer); any other parameter is refused (400), not ignored.
    query_serializers: ClassVar[dict[str, Any]] = {}
    # What the schema documents, and HEAD (a GET without its body, under GET's scope); OPTIONS is not offered.
    http_method_names: ClassVar[list[str]] = ["get", "post", "head"]  # type: ignore[misc]
    query: dict[str, Any]
    calls_over_limit = 0  # set by the rate limit: how far past it this call is (0: within it)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        """DRF's checks, with the rate limit before the scope: a call refused for its scope (403) counts against
        the token's limit like any other."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)
        self.query = _query(self.query_serializers.get(request.method), request)

    def handle_exception(self, exc: Exception) -> Any:
        """Problem details for what the API knows; anything else is a server error, recorded as a call answered
        500 before Django answers it (as problem details, :class:`reparo.api.problems.ApiProblemMiddleware`)."""
        try:
            return super().handle_exception(exc)
        except Exception:
            self._record(self.request, 500)
            raise

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        self._record(request, response.status_code)
        return response

    def _record(self, request: Any, status: int) -> None:
        """Each call in the audit log, except calls refused for the rate limit: only the first of those in a minute
        (a flood must not turn into as many audit rows)."""
        token = vars(request).get("_auth") if isinstance(request, Request) else None
        if not isinstance(token, ApiToken):
            return
        match = request.resolver_match
        route = match.view_name if match else request.path
        if self.calls_over_limit:
            if self.calls_over_limit == 1:
                services.api_calls_limited(token=token, method=request.method, route=route)
            return
        services.api_call_record(token=token, method=request.method, route=route, status=status)


def _query(serializer_class: Any, request: Any) -> dict[str, Any]:
    """The query parameters, checked: those the method takes (``serializer_class``), and no others."""
    known = set(serializer_class().fields) if serializer_class is not None else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise drf.ValidationError({name: [_("This address does not take this parameter.")] for name in unknown[:10]})
    repeated = sorted(name for name in request.query_params if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise drf.ValidationError({name: [_("Give this parameter once.")] for name in repeated[:10]})
    if serializer_class is None:
        return {}
    # A plain dict, not the query's QueryDict: DRF would read an empty value ("?format=") as "not given".
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _body(serializer_class: Any, request: Any) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise drf.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _page(rows: Any, serializer_class: Any, number: int) -> dict[str, Any]:
    page = page_of(rows, PER_PAGE, number)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": serializer_class(page.object_list, many=True).data,
    }


def _need(request: Any, capability: Capability) -> None:
    if not user_can(request.user, capability):
        raise Http404


def _organisation_id(request: Any) -> int:
    return int(request.auth.organisation_id)


# --- the token itself ----------------------------------------------------------------------------------------------


class TokenView(ApiView):
    @extend_schema(
        summary="The token this call presents",
        operation_id="token_get",
        description="Its organisation, scopes and expiry. Needs no scope.",
        responses={**_ok(s.TokenInfo), **_errors(400, 401, 429)},
        tags=["token"],
    )
    def get(self, request: Request) -> Response:
        return Response(s.TokenInfo(request.auth).data)


# --- the partner's inbox: referrals sent to the token's organisation -----------------------------------------------


def _received(request: Any, pk: Any) -> Referral:
    """The referral, for the partner; its access asked again now (consent and agreement), on every call."""
    referral = referral_selectors.referral_get_for(request.user, pk, need=Capability.RECEIVE_REFERRALS)
    referral_services.referral_access_confirm(referral=referral)
    return referral


def _detail(referral: Referral) -> dict[str, Any]:
    """What the partner's page shows of a referral: once withdrawn, or its access ended, only that it is over."""
    over = referral.access_ended_at is not None or referral.status == ReferralStatus.WITHDRAWN
    events = [] if over else referral_selectors.events_for_partner(referral)
    return {
        **s.Referral(referral).data,
        "events": s.ReferralEvent(events, many=True).data,
        "next_moves": [] if over else referral.moves_for(Side.PARTNER),
        "packet_available": not over and referral.status in PARTNER_SEES_PACKET,
    }


class ReferralList(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.REFERRALS_READ}
    query_serializers: ClassVar[dict[str, Any]] = {"GET": s.ReferralQuery}

    @extend_schema(
        summary="The referrals sent to your organisation",
        operation_id="referrals_list",
        description="Waiting or in service (or, with finished=true, the others), newest first. Scope: "
        "referrals:read. What the list shows is the referral, never the person.",
        parameters=[s.ReferralQuery],
        responses={**_ok(s.ReferralPage), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals"],
    )
    def get(self, request: Request) -> Response:
        query = self.query
        _need(request, Capability.RECEIVE_REFERRALS)
        body = _page(
            referral_selectors.partner_inbox(request.user, finished=query["finished"]), s.Referral, query["page"]
        )
        organisation = referral_selectors.partner_organisation_of(request.user, Capability.RECEIVE_REFERRALS)
        referral_services.partner_inbox_viewed(actor=request.user, organisation=organisation)
        return Response(body)


class ReferralDetailView(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.REFERRALS_READ}

    @extend_schema(
        summary="One referral",
        operation_id="referral_get",
        description="Its state, its history as the partner may read it, and what the partner may record next. "
        "Scope: referrals:read. Recorded as a look at the referral.",
        responses={**_ok(s.ReferralDetail), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: Any) -> Response:
        referral = _received(request, pk)
        referral_services.referral_viewed(actor=request.user, referral=referral, what="referral")
        return Response(_detail(referral))


class PacketView(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.REFERRALS_READ}

    @extend_schema(
        summary="The referral's packet",
        operation_id="referral_packet_get",
        description="What the person agreed to share with your organisation, frozen when the referral was sent; "
        "there while the referral is open (or served, for the agreement's retention) and the person's consent "
        "and the data-sharing agreement hold. Scope: referrals:read. Recorded as a look at the packet.",
        responses={**_ok(s.Packet), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals"],
    )
    def get(self, request: Request, pk: Any) -> Response:
        referral = _received(request, pk)
        stored = referral_selectors.packet_for_partner(referral)
        referral_services.referral_viewed(actor=request.user, referral=referral, what="packet")
        return Response(
            {
                "referral": referral.pk,
                "categories": list(stored.categories),
                "made_at": stored.made_at,
                "retention_days": referral.agreement.retention_days if referral.agreement else None,
                "content": stored.content or {},
            }
        )


@dataclass(frozen=True)
class ReferralMove:
    """A move the partner records on a referral through the API: the last part of its address, the status it moves
    the referral to, the schema's summary, and the body it takes."""

    path: str
    to_status: str
    summary: str
    body: Any = s.MoveBody

    @property
    def name(self) -> str:
        """The URL name and the schema's operation id: ``referral_in_service`` for ``in-service``."""
        return "referral_" + self.path.replace("-", "_")


REFERRAL_MOVES = (
    ReferralMove("accept", ReferralStatus.ACCEPTED, "Accept a referral"),
    ReferralMove("decline", ReferralStatus.DECLINED, "Decline a referral (with the reason)", s.DeclineBody),
    ReferralMove("in-service", ReferralStatus.IN_SERVICE, "Record that the service started"),
    ReferralMove("completed", ReferralStatus.COMPLETED, "Record that the service was completed"),
)


class ReferralMoveView(ApiView):
    """Record the partner's answer or progress on a referral (the same move the partner's page records). One view
    serves every move of :data:`REFERRAL_MOVES`; :func:`referral_move_view` gives each its own address and schema."""

    required_scopes: ClassVar[dict[str, TokenScope]] = {"POST": TokenScope.REFERRALS_WRITE}
    move: ClassVar[ReferralMove]

    def post(self, request: Request, pk: Any) -> Response:
        referral = _received(request, pk)
        data = _body(self.move.body, request)
        referral_services.referral_move(
            actor=request.user,
            referral=referral,
            to_status=self.move.to_status,
            reason_code=data.get("reason_code", ""),
            note=data.get("note", ""),
        )
        moved = referral_selectors.referral_get_for(request.user, pk, need=Capability.RECEIVE_REFERRALS)
        return Response(_detail(moved))


def referral_move_view(move: ReferralMove) -> Any:
    """The view of one move: :class:`ReferralMoveView` for ``move``, with the move's operation in the schema."""
    name = "Referral" + move.path.title().replace("-", "") + "View"
    view: type[ReferralMoveView] = type(name, (ReferralMoveView,), {"move": move, "__module__": __name__})
    schema = extend_schema(
        operation_id=move.name,
        summary=move.summary,
        description="Scope: referrals:write. A move the referral's state does not allow is answered 400.",
        request=move.body,
        responses={**_ok(s.ReferralDetail), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals"],
    )
    documented: type[ReferralMoveView] = extend_schema_view(post=schema)(view)
    return documented.as_view()


# --- referrals in: the partner refers people into programs ---------------------------------------------------------


class ProgramList(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.REFERRALS_READ}

    @extend_schema(
        summary="Programs that take your referrals",
        operation_id="programs_list",
        description="Those of organisations with a data-sharing agreement in force with yours. Scope: referrals:read.",
        responses={**_ok(s.Program(many=True)), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals in"],
    )
    def get(self, request: Request) -> Response:
        _need(request, Capability.REFER_TO_PROGRAMS)
        return Response(s.Program(referral_selectors.programs_open_to_partner(request.user), many=True).data)


class IncomingList(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {
        "GET": TokenScope.REFERRALS_READ,
        "POST": TokenScope.REFERRALS_WRITE,
    }
    query_serializers: ClassVar[dict[str, Any]] = {"GET": s.PageQuery}

    @extend_schema(
        summary="What your organisation referred into programs",
        operation_id="incoming_referrals_list",
        description="The program, the date and the answer, newest first. Scope: referrals:read.",
        parameters=[s.PageQuery],
        responses={**_ok(s.IncomingPage), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals in"],
    )
    def get(self, request: Request) -> Response:
        query = self.query
        _need(request, Capability.REFER_TO_PROGRAMS)
        return Response(_page(referral_selectors.incoming_sent_by(request.user), s.IncomingReferral, query["page"]))

    @extend_schema(
        summary="Refer someone into a program",
        operation_id="incoming_referral_create",
        description="Only when the person agreed to it (person_agreed). Give at least a name or a way to reach "
        "them, and why you refer them. Scope: referrals:write.",
        request=s.IncomingBody,
        responses={**_ok(s.IncomingReferral, 201), **_errors(400, 401, 403, 404, 429)},
        tags=["referrals in"],
    )
    def post(self, request: Request) -> Response:
        _need(request, Capability.REFER_TO_PROGRAMS)
        data = _body(s.IncomingBody, request)
        try:
            program = selectors.program_open_to(request.user, data.pop("program"))
        except Http404:
            raise drf.ValidationError({"program": [_("Choose a program that takes your referrals.")]}) from None
        incoming = referral_services.incoming_submit(actor=request.user, program=program, **data)
        return Response(s.IncomingReferral(incoming).data, status=201)


# --- HTCDS export --------------------------------------------------------------------------------------------------


class HtcdsExport(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.HTCDS_EXPORT}
    query_serializers: ClassVar[dict[str, Any]] = {"GET": s.ExportQuery}

    @extend_schema(
        summary="Your organisation's cases as an HTCDS 2.0 file",
        operation_id="htcds_export",
        description="Streamed. For a partner organisation (recipient): only cases whose survivors agreed to share "
        "with it, identity and contact details only where they agreed to those too. De-identified (deidentified="
        "true): no names, contact details or free text, every group of quasi-identifiers at least 11 people. "
        "Scope: htcds:export. Recorded in the activity log before the first byte is sent.",
        parameters=[
            s.ExportQuery,
            OpenApiParameter(
                "X-Reparo-People",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[200],
                description="How many people the file holds.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV: one row per person per case."),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="JSON: one object per case."),
            (200, formats.CONTENT_TYPES[formats.XLSX]): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX."),
            **_errors(400, 401, 403, 404, 429),
        },
        tags=["HTCDS"],
    )
    def get(self, request: Request) -> HttpResponse | StreamingHttpResponse:
        query = self.query
        organisation = interop_selectors.organisation_for_exchange(
            request.user, _organisation_id(request), need=Capability.EXPORT_HTCDS
        )
        recipient = selectors.recipient_or_none(query.get("recipient"))
        program = selectors.export_program_or_none(organisation, query.get("program"))
        if query.get("recipient") is not None and recipient is None:
            raise drf.ValidationError({"recipient": [_("Choose a partner organisation.")]})
        if query.get("program") is not None and program is None:
            raise drf.ValidationError({"program": [_("Choose a program of your organisation.")]})
        result = interop_services.htcds_export(
            actor=request.user, organisation=organisation, file_format=query["format"], recipient=recipient,
            program=program, since=query.get("since"), deidentified=query["deidentified"],
        )  # fmt: skip
        response: HttpResponse | StreamingHttpResponse
        if query["format"] == formats.XLSX:
            response = HttpResponse(b"".join(result.chunks), content_type=result.content_type)
        else:
            response = StreamingHttpResponse(
                (chunk.encode("utf-8") for chunk in result.chunks), content_type=result.content_type
            )
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        response["X-Reparo-People"] = str(result.people)
        return response


# --- released statistics -------------------------------------------------------------------------------------------


class ReleaseList(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.STATISTICS_READ}
    query_serializers: ClassVar[dict[str, Any]] = {"GET": s.PageQuery}

    @extend_schema(
        summary="Your organisation's published releases",
        operation_id="releases_list",
        description="Differentially private figures, newest first. Published releases never change. Scope: "
        "statistics:read.",
        parameters=[s.PageQuery],
        responses={**_ok(s.ReleasePage), **_errors(400, 401, 403, 404, 429)},
        tags=["statistics"],
    )
    def get(self, request: Request) -> Response:
        query = self.query
        organisation = release_selectors.organisation_for_releases(request.user, _organisation_id(request))
        page = release_selectors.releases_of(organisation, page=query["page"], per_page=PER_PAGE)
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": s.ReleaseSummary(page.object_list, many=True).data,
            }
        )


class ReleaseDetail(ApiView):
    required_scopes: ClassVar[dict[str, TokenScope]] = {"GET": TokenScope.STATISTICS_READ}

    @extend_schema(
        summary="One published release",
        operation_id="release_get",
        description="Each table with the ε it was made with and what its noise means, and every released number "
        "(as in the release's CSV). Scope: statistics:read. Recorded as a download.",
        responses={**_ok(s.Release), **_errors(400, 401, 403, 404, 429)},
        tags=["statistics"],
    )
    def get(self, request: Request, pk: Any) -> Response:
        release = release_selectors.release_get_for(request.user, pk)
        release_services.release_downloaded(actor=request.user, release=release, file_format="json")
        return Response(
            {
                **s.ReleaseSummary(release).data,
                "tables": s.ReleaseTable(present.release_tables(release), many=True).data,
                "values": s.ReleaseValue(present.release_values(release), many=True).data,
            }
        )


# --- the schema and its reference page -----------------------------------------------------------------------------


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with ?format=json). Public: it describes the API, it holds no data."""

    reparo_public = True


@public
@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    """The API's reference, read from its schema and shown as a page (no script: the site's CSP stays as it is)."""
    schema_url = request.build_absolute_uri(reverse("api:schema"))
    reference = docs.reference(get_language())
    return render(request, "api/reference.html", {"reference": reference, "schema_url": schema_url})


# --- the organisation's API tokens (staff pages) -------------------------------------------------------------------


@require_GET
def tokens_index(request: HttpRequest) -> HttpResponse:
    return render(request, "api/index.html", {"organisations": selectors.organisations_for_tokens(request.user)})


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    """The organisation's tokens, and a form to make one. A new token's secret is shown on this answer only."""
    organisation = selectors.organisation_for_tokens(request.user, organisation_pk)
    scopes = selectors.scopes_for(organisation)
    posted = request.method == "POST"
    form = TokenForm(request.POST if posted else None, scopes=scopes)
    made: tuple[ApiToken, str] | None = None
    status = 200
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.api_token_create(
                actor=request.user, organisation=organisation, name=data["name"], scopes=data["scopes"],
                lifetime_days=data["lifetime_days"],
            )  # fmt: skip
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            form = TokenForm(scopes=scopes)
    elif posted:
        status = 400
    return render(
        request,
        "api/tokens.html",
        {
            "organisation": organisation,
            "tokens": selectors.tokens_of(organisation),
            "form": form,
            "made": made[0] if made else None,
            "secret": made[1] if made else "",
        },
        status=status,
    )


@require_POST
def token_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    token = selectors.api_token_get_for(request.user, pk)
    back = reverse("api_tokens:organisation", kwargs={"organisation_pk": token.organisation_id})
    return run_action(
        request,
        lambda: services.api_token_revoke(actor=request.user, token=token),
        success=_("The token is revoked: calls that present it are refused from now on."),
        back_to=back,
    )
