"""Partnership screens: the directory, data-sharing agreements, sending a referral from a case (with the packet
preview), the sender's referral page, the partner's inbox and packet, and the program's inbox of referrals in.
Views parse, call a selector or a service, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.cases.selectors import case_get_for
from reparo.core.actions import errors_text
from reparo.core.pagination import page_of
from reparo.organisations.selectors import program_get_for
from reparo.referrals import packet, selectors, services, sharing
from reparo.referrals.forms import (
    AgreementDocumentForm,
    AgreementMoveForm,
    DirectorySearchForm,
    IncomingDeclineForm,
    IncomingFilterForm,
    IncomingRecordForm,
    MoveForm,
    PartnerAddForm,
    PartnerProfileForm,
    ReferInForm,
    ReferralForm,
    ReferralSettingsForm,
    SharingAgreementForm,
    UpdateForm,
)
from reparo.referrals.models import (
    AgreementStatus,
    DeclineReason,
    IncomingStatus,
    Referral,
    ReferralStatus,
    SharingAgreement,
    Side,
)
from reparo.referrals.printing import packet_pdf

PER_PAGE = 25

MOVE_LABELS: dict[str, Any] = {
    ReferralStatus.ACCEPTED: gettext_lazy("Accept"),
    ReferralStatus.DECLINED: gettext_lazy("Decline"),
    ReferralStatus.IN_SERVICE: gettext_lazy("Record “in service”"),
    ReferralStatus.COMPLETED: gettext_lazy("Record “completed”"),
    ReferralStatus.CLOSED: gettext_lazy("Close"),
    ReferralStatus.WITHDRAWN: gettext_lazy("Withdraw"),
}


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _need(request: HttpRequest, capability: Capability) -> None:
    if not user_can(request.user, capability):
        raise Http404


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's plain-language errors next to the fields they are about."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _moves(referral: Referral, side: str) -> list[tuple[str, Any]]:
    return [(to, MOVE_LABELS[to]) for to in referral.moves_for(side) if to in MOVE_LABELS]


# --- the directory -----------------------------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.WORK_IN_PROGRAM)
    form = DirectorySearchForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    page = page_of(selectors.directory(request.user, **filters), PER_PAGE, request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _query(request),
        "filtered": bool(filters),
        "can_manage": user_can(request.user, Capability.MANAGE_PARTNERS),
    }
    return render(request, "referrals/_directory_rows.html" if _htmx(request) else "referrals/directory.html", context)


@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.partner_get_for(request.user, pk)
    can_manage = user_can(request.user, Capability.MANAGE_PARTNERS)
    return render(
        request,
        "referrals/partner.html",
        {
            "profile": profile,
            "partner": profile.organisation,
            "in_force": selectors.agreements_in_force_with(request.user, profile.organisation),
            "agreements": selectors.sharing_agreements_for(request.user, partner=profile.organisation)
            if can_manage
            else None,
            "can_manage": can_manage,
        },
    )


@require_http_methods(["GET", "POST"])
def partner_add(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.MANAGE_PARTNERS)
    form = PartnerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.partner_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The partner has been added to the directory."))
            return redirect("partners:detail", pk=profile.pk)
    status = 400 if form.is_bound else 200
    return render(request, "referrals/partner_form.html", {"form": form, "profile": None}, status=status)


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.partner_get_for(request.user, pk, need=Capability.MANAGE_PARTNERS)
    initial = {
        "services": profile.services,
        "languages": profile.languages,
        "area_served": profile.area_served,
        "eligibility": profile.eligibility,
        "contact_name": profile.contact_name,
        "contact_phone": profile.contact_phone,
        "contact_email": profile.contact_email,
        "uses_reparo": profile.uses_reparo,
    }
    form = PartnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(actor=request.user, profile=profile, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("partners:detail", pk=profile.pk)
    status = 400 if form.is_bound else 200
    return render(request, "referrals/partner_form.html", {"form": form, "profile": profile}, status=status)


# --- data-sharing agreements -------------------------------------------------------------------------------------


@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.MANAGE_PARTNERS)
    status = request.GET.get("status", "")
    status = status if status in AgreementStatus.values else ""
    page = page_of(selectors.sharing_agreements_for(request.user, status=status), PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "referrals/agreements.html",
        {
            "page": page,
            "query": _query(request),
            "status": status,
            "statuses": AgreementStatus.choices,
            "programs": selectors.programs_managed_by(request.user),
        },
    )


def _agreement_form(request: HttpRequest, data: Any = None, initial: Any = None) -> SharingAgreementForm:
    return SharingAgreementForm(
        data,
        initial=initial,
        operators=selectors.operators_managed_by(request.user),
        partners=selectors.partner_choices(request.user),
    )


@require_http_methods(["GET", "POST"])
def agreement_new(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.MANAGE_PARTNERS)
    initial = {"partner": request.GET.get("partner")} if (request.GET.get("partner") or "").isdigit() else None
    form = _agreement_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.sharing_agreement_create(
                actor=request.user, operator=data["operator"], partner=data["partner"], **form.agreement_fields()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The draft agreement has been saved. Upload the signed copy next."))
            return redirect("partners:agreement", pk=agreement.pk)
    status = 400 if form.is_bound else 200
    return render(request, "referrals/agreement_form.html", {"form": form, "agreement": None}, status=status)


@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    agreement = selectors.sharing_agreement_get_for(request.user, pk)
    if agreement.status != AgreementStatus.DRAFT:
        messages.error(request, _("Only a draft can change. End this agreement and draft a new one instead."))
        return redirect("partners:agreement", pk=agreement.pk)
    initial = {
        "operator": agreement.operator_id,
        "partner": agreement.partner_id,
        "title": agreement.title,
        "purposes": agreement.purposes,
        "data_categories": agreement.data_categories,
        "retention_days": agreement.retention_days,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
    }
    form = _agreement_form(request, request.POST or None, initial=initial)
    form.fields["operator"].disabled = True
    form.fields["partner"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.sharing_agreement_update(actor=request.user, agreement=agreement, **form.agreement_fields())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("partners:agreement", pk=agreement.pk)
    status = 400 if form.is_bound else 200
    return render(request, "referrals/agreement_form.html", {"form": form, "agreement": agreement}, status=status)


def _agreement_page(
    request: HttpRequest, agreement: SharingAgreement, *, upload: AgreementDocumentForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "referrals/agreement.html",
        {
            "agreement": agreement,
            "document": selectors.document_or_none(agreement),
            "upload_form": upload or AgreementDocumentForm(),
            "moves": [(to, AgreementStatus(to).label) for to in agreement.allowed_moves()],
        },
        status=status,
    )


@require_GET
def agreement_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _agreement_page(request, selectors.sharing_agreement_get_for(request.user, pk))


@require_http_methods(["GET", "POST"])
def agreement_document(request: HttpRequest, pk: Any) -> HttpResponse:
    """GET: download the signed copy (audited). POST: upload it (a PDF, checked by its content)."""
    agreement = selectors.sharing_agreement_get_for(request.user, pk)
    if request.method == "GET":
        document = selectors.document_of(agreement)
        content = services.agreement_document_read(actor=request.user, agreement=agreement, document=document)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response
    form = AgreementDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["document"]
        try:
            services.agreement_document_attach(
                actor=request.user, agreement=agreement, filename=upload.name or "", content=upload.read()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The signed copy has been kept, encrypted."))
            return redirect("partners:agreement", pk=agreement.pk)
    return _agreement_page(request, agreement, upload=form, status=400)


@require_POST
def agreement_move(request: HttpRequest, pk: Any) -> HttpResponse:
    agreement = selectors.sharing_agreement_get_for(request.user, pk)
    form = AgreementMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("partners:agreement", pk=agreement.pk)
    try:
        services.sharing_agreement_move(
            actor=request.user, agreement=agreement, to_status=form.cleaned_data["to_status"]
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("The agreement is now: %(status)s.") % {
            "status": AgreementStatus(form.cleaned_data["to_status"]).label
        })  # fmt: skip
    return redirect("partners:agreement", pk=agreement.pk)


@require_POST
def referral_settings(request: HttpRequest, program_pk: int) -> HttpResponse:
    program = program_get_for(request.user, program_pk, need=Capability.MANAGE_PARTNERS)
    form = ReferralSettingsForm(request.POST)
    if form.is_valid():
        services.referral_settings_save(actor=request.user, program=program, **form.cleaned_data)
        messages.success(request, _("Saved."))
    else:
        messages.error(request, errors_text(form))
    return redirect(f"{reverse('partners:agreements')}#answer-time")


# --- sending a referral ------------------------------------------------------------------------------------------


def _referral_form(request: HttpRequest, case: Any, data: Any = None) -> ReferralForm:
    return ReferralForm(
        data,
        people=selectors.referral_people(case),
        partners=selectors.partner_choices(request.user),
        initial={"categories": [c for c, _label in ReferralForm.base_fields["categories"].choices]},  # type: ignore[attr-defined]
    )


def _plan_for(form: ReferralForm, case: Any) -> sharing.SharingPlan | None:
    """The plan for what the form says so far (who, to whom, for what, which kinds); None until those are chosen."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if not all(data.get(name) for name in ("person", "partner", "service")):
        return None
    return sharing.plan(
        case=case,
        person=data["person"],
        partner=data["partner"],
        service=data["service"],
        requested=data.get("categories") or [],
    )


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_pk: Any) -> HttpResponse:
    """The send-a-referral page: who, to whom, for what; the preview shows what would go and what is held back."""
    case = case_get_for(request.user, case_pk, need=Capability.WORK_ON_CASE)
    if not case.is_open:
        raise Http404
    form = _referral_form(request, case, request.POST or None)
    the_plan = None
    if request.method == "POST" and form.is_valid():
        the_plan = _plan_for(form, case)
        try:
            referral = services.referral_draft(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Prepared. Check what goes, then send it."))
            return redirect("referrals:detail", pk=referral.pk)
    status = 400 if form.is_bound else 200
    return render(request, "referrals/new.html", {"case": case, "form": form, "plan": the_plan}, status=status)


@require_GET
def referral_preview(request: HttpRequest, case_pk: Any) -> HttpResponse:
    """The preview, as the form changes (htmx): which kinds of information would go and which are held back, and
    why. Field names only; the values show on the prepared referral's page."""
    case = case_get_for(request.user, case_pk, need=Capability.WORK_ON_CASE)
    form = _referral_form(request, case, request.GET)
    return render(request, "referrals/_plan.html", {"plan": _plan_for(form, case)})


@require_GET
def referral_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    stored = selectors.packet_of(referral)
    the_plan = sections = None
    if referral.status == ReferralStatus.DRAFT:
        the_plan = sharing.plan(
            case=referral.case,
            person=referral.person,
            partner=referral.partner,
            service=referral.service,
            requested=referral.requested or referral.categories,
        )
        sections = packet.sections(packet.build(referral.case, referral.person, the_plan.going))
    elif stored is not None and stored.content is not None:
        sections = packet.sections(stored.content)
        services.referral_viewed(actor=request.user, referral=referral, what="packet")
    on_reparo = selectors.uses_reparo(referral.partner_id)
    return render(
        request,
        "referrals/referral.html",
        {
            "referral": referral,
            "case": referral.case,
            "plan": the_plan,
            "sections": sections,
            "stored": stored,
            "events": selectors.events_of(referral),
            "moves": _moves(referral, Side.SENDER),
            "behalf_moves": [] if on_reparo else _moves(referral, Side.PARTNER),
            "uses_reparo": on_reparo,
            "decline_reasons": DeclineReason.choices,
            "update_form": UpdateForm(initial={"on_behalf": True}),
        },
    )


@require_POST
def referral_send(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    try:
        services.referral_send(actor=request.user, referral=referral)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Sent. The partner can now see what the person agreed to share."))
    return redirect("referrals:detail", pk=referral.pk)


def _move(request: HttpRequest, referral: Referral, *, back_to: str) -> HttpResponse:
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back_to)
    data = form.cleaned_data
    try:
        services.referral_move(
            actor=request.user,
            referral=referral,
            to_status=data["to_status"],
            reason_code=data["reason_code"],
            note=data["note"],
            on_behalf=data["on_behalf"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Recorded: %(status)s.") % {"status": ReferralStatus(data["to_status"]).label})
    return redirect(back_to)


def _update(request: HttpRequest, referral: Referral, *, back_to: str) -> HttpResponse:
    form = UpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(back_to)
    try:
        services.referral_update_add(
            actor=request.user,
            referral=referral,
            note=form.cleaned_data["note"],
            on_behalf=form.cleaned_data["on_behalf"],
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("The update has been added."))
    return redirect(back_to)


@require_POST
def referral_move(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    return _move(request, referral, back_to=reverse("referrals:detail", args=[referral.pk]))


@require_POST
def referral_update(request: HttpRequest, pk: Any) -> HttpResponse:
    """An update a partner without Reparo gave by phone or letter, recorded by the team on its behalf."""
    referral = selectors.referral_get_for(request.user, pk)
    return _update(request, referral, back_to=reverse("referrals:detail", args=[referral.pk]))


@require_GET
def referral_packet_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    """The packet to print or pass on, for a partner that does not use Reparo (audited as a share)."""
    referral = selectors.referral_get_for(request.user, pk)
    if selectors.uses_reparo(referral.partner_id) or not services.referral_access_confirm(referral=referral):
        raise Http404
    stored = selectors.packet_for_partner(referral)
    services.referral_viewed(actor=request.user, referral=referral, what="packet_download")
    retention = referral.agreement.retention_days if referral.agreement else 0
    content = packet_pdf(referral, packet.sections(stored.content), retention_days=retention)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referral-{referral.code}.pdf"'
    return response


# --- the partner's inbox -----------------------------------------------------------------------------------------


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.RECEIVE_REFERRALS)
    finished = request.GET.get("show") == "finished"
    page = page_of(selectors.partner_inbox(request.user, finished=finished), PER_PAGE, request.GET.get("page"))
    organisation = selectors.partner_organisation_of(request.user, Capability.RECEIVE_REFERRALS)
    services.partner_inbox_viewed(actor=request.user, organisation=organisation)
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "query": _query(request),
            "finished": finished,
            "organisation": organisation,
            "can_refer": user_can(request.user, Capability.REFER_TO_PROGRAMS),
        },
    )


def _received(request: HttpRequest, pk: Any) -> Referral:
    """The referral, for the partner; its access asked again now (consent and agreement), on every request."""
    referral = selectors.referral_get_for(request.user, pk, need=Capability.RECEIVE_REFERRALS)
    services.referral_access_confirm(referral=referral)
    return referral


@require_GET
def inbox_referral(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _received(request, pk)
    services.referral_viewed(actor=request.user, referral=referral, what="referral")
    if referral.access_ended_at is not None or referral.status == ReferralStatus.WITHDRAWN:
        return render(request, "referrals/inbox_withdrawn.html", {"referral": referral})
    return render(
        request,
        "referrals/inbox_referral.html",
        {
            "referral": referral,
            "events": selectors.events_for_partner(referral),
            "moves": _moves(referral, Side.PARTNER),
            "decline_reasons": DeclineReason.choices,
            "update_form": UpdateForm(),
            "can_update": referral.is_open,
            "sees_packet": referral.status in {ReferralStatus.SENT, ReferralStatus.ACCEPTED,
                                                ReferralStatus.IN_SERVICE, ReferralStatus.COMPLETED,
                                                ReferralStatus.CLOSED},
        },
    )  # fmt: skip


@require_GET
def inbox_packet(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _received(request, pk)
    stored = selectors.packet_for_partner(referral)
    services.referral_viewed(actor=request.user, referral=referral, what="packet")
    return render(
        request,
        "referrals/inbox_packet.html",
        {
            "referral": referral,
            "sections": packet.sections(stored.content),
            "retention_days": referral.agreement.retention_days if referral.agreement else None,
        },
    )


@require_POST
def inbox_move(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _received(request, pk)
    return _move(request, referral, back_to=reverse("referrals:inbox_referral", args=[referral.pk]))


@require_POST
def inbox_update(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _received(request, pk)
    return _update(request, referral, back_to=reverse("referrals:inbox_referral", args=[referral.pk]))


@require_http_methods(["GET", "POST"])
def refer_in(request: HttpRequest) -> HttpResponse:
    """A partner user refers someone into a program; below, what their organisation referred and the answers."""
    _need(request, Capability.REFER_TO_PROGRAMS)
    programs = selectors.programs_open_to_partner(request.user)
    form = ReferInForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.incoming_submit(
                actor=request.user,
                program=data["program"],
                person_agreed=data["person_agreed"],
                urgency=data["urgency"],
                **form.person(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Sent. The program will answer here."))
            return redirect("referrals:refer_in")
    page = page_of(selectors.incoming_sent_by(request.user), PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "referrals/refer_in.html",
        {
            "form": form,
            "has_programs": selectors.may_refer_somewhere(request.user),
            "page": page,
            "query": _query(request),
        },
        status=400 if form.is_bound else 200,
    )


# --- the program's inbox of referrals in -------------------------------------------------------------------------


@require_GET
def incoming(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.OPEN_CASES)
    programs = list(selectors.programs_for_incoming(request.user))
    form = IncomingFilterForm(request.GET or None, programs=programs)
    filters: dict[str, Any] = {"status": IncomingStatus.RECEIVED}
    if form.is_bound and form.is_valid():
        filters = {"program": form.cleaned_data["program"], "status": form.cleaned_data["status"]}
    page = page_of(selectors.program_inbox(request.user, **filters), PER_PAGE, request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query(request), "counts": selectors.incoming_counts(request.user)}
    return render(request, "referrals/_incoming_rows.html" if _htmx(request) else "referrals/incoming.html", context)


@require_http_methods(["GET", "POST"])
def incoming_new(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.OPEN_CASES)
    form = IncomingRecordForm(
        request.POST or None,
        programs=selectors.programs_for_incoming(request.user),
        partners=selectors.partner_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incoming_referral = services.incoming_record(
                actor=request.user,
                program=data["program"],
                received_via=data["received_via"],
                referral_source=data["referral_source"],
                received_on=data["received_on"],
                from_partner=data["from_partner"],
                referrer=data["referrer"],
                urgency=data["urgency"],
                **form.person(),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Recorded in the referral inbox."))
            return redirect("referrals:incoming_detail", pk=incoming_referral.pk)
    return render(request, "referrals/incoming_form.html", {"form": form}, status=400 if form.is_bound else 200)


@require_GET
def incoming_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    incoming_referral = selectors.incoming_get_for(request.user, pk)
    services.incoming_viewed(actor=request.user, incoming=incoming_referral)
    return render(
        request,
        "referrals/incoming_detail.html",
        {"incoming": incoming_referral, "decline_form": IncomingDeclineForm()},
    )


@require_POST
def incoming_accept(request: HttpRequest, pk: Any) -> HttpResponse:
    incoming_referral = selectors.incoming_get_for(request.user, pk)
    try:
        draft = services.incoming_accept(actor=request.user, incoming=incoming_referral)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("referrals:incoming_detail", pk=incoming_referral.pk)
    messages.success(request, _("Accepted. The intake form is filled in with what the referral said."))
    return redirect(f"{reverse('cases:intake')}?draft={draft.pk}")


@require_POST
def incoming_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    incoming_referral = selectors.incoming_get_for(request.user, pk)
    form = IncomingDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("referrals:incoming_detail", pk=incoming_referral.pk)
    try:
        services.incoming_decline(actor=request.user, incoming=incoming_referral, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Declined. The referring partner sees the reason you chose."))
    return redirect("referrals:incoming_detail", pk=incoming_referral.pk)
