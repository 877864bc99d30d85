from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.models import Offer
from grants import checkins, letters, outcomes
from grants.access import grant_for_user
from grants.payments.ledger import grant_ledger, program_ledger
from program.access import require_perm
from program.exports import csv_response
from program.forms import errors_sentence
from program.privacy.access_log import record_file_access

from .forms import (
    AcceptForm,
    CheckInForm,
    ExtensionForm,
    NewGrantForm,
    NoteForm,
    OutcomeForm,
    ReasonForm,
    TALetterForm,
)
from .models import (
    CheckIn,
    Grant,
    GrantLetter,
    GrantState,
    Payment,
)
from .services import (
    ApprovalError,
    TransitionNotAllowed,
    approve_grant,
    approvers_needed,
    cancel_grant,
    decline_grant,
    extend_grant,
    propose_direct_grant,
)


@require_http_methods(["GET", "POST"])
@login_required
def new_grant(request: HttpRequest) -> HttpResponse:
    """An organizer proposes a grant directly (no application): it goes through the same sign-off."""
    require_perm(request, "grants.manage_grants")
    form = NewGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = propose_direct_grant(
            email=data["email"],
            full_name=data["full_name"],
            by=request.user,
            monthly_stipend=data["monthly_stipend"],
            currency=data["currency"],
            months=data["months"],
            start_date=data["start_date"],
            study_plan=data["study_plan"],
        )
        messages.success(request, f"Grant #{grant.pk} proposed for {grant.grantee.display_name}; it needs sign-off.")
        return redirect("grants:detail", pk=grant.pk)
    return render(request, "grants/new.html", {"form": form})


@require_POST
@login_required
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose an extension of an active or completed grant: a new grant after it, through sign-off."""
    require_perm(request, "grants.manage_grants")
    grant = grant_for_user(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was proposed. {errors_sentence(form)}")
        return redirect("grants:detail", pk=grant.pk)
    try:
        extension = extend_grant(
            grant,
            months=form.cleaned_data["months"],
            monthly_stipend=form.cleaned_data["monthly_stipend"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("grants:detail", pk=grant.pk)
    messages.success(request, f"Extension proposed as grant #{extension.pk}, from {extension.start_date:%d %b %Y}.")
    return redirect("grants:detail", pk=extension.pk)


@require_GET
@login_required
def grant_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    state = request.GET.get("state", "")
    rows = Grant.objects.select_related("grantee").order_by("-created_at")
    if state in GrantState.values:
        rows = rows.filter(state=state)
    return render(request, "grants/list.html", {"grants": rows[:500], "state": state, "states": GrantState.choices})


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = grant_for_user(request, pk)
    approvals = list(grant.approvals.select_related("approver"))
    return render(
        request,
        "grants/detail.html",
        {
            "grant": grant,
            "events": grant.events.select_related("actor"),
            "approvals": approvals,
            "approvers_needed": approvers_needed(grant),
            "installments": list(grant.installments.order_by("number")),
            "payments": list(
                Payment.objects.filter(installment__grant=grant).select_related("installment", "recorded_by")
            ),
            "ledger": grant_ledger(grant),
            "letters": list(grant.letters.all()),
            "checkins": list(grant.checkins.all()),
            "outcomes": list(grant.outcomes.select_related("recorded_by")),
            "can_manage": request.user.has_perm("grants.manage_grants"),
            # The grantee sees their letter, schedule and check-ins; sign-offs, notes, hashes and the
            # ledger are for the organizers and the payments role.
            "staff_view": request.user.has_perm("grants.manage_grants") or request.user.has_perm("grants.pay"),
            "note_form": NoteForm(),
            "extension_form": ExtensionForm(),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@login_required
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    grant = grant_for_user(request, pk)
    try:
        if action == "approve":
            approve_grant(grant, by=request.user, note=request.POST.get("note", "")[:2000])
            messages.success(
                request,
                "Approved." if grant.state == GrantState.APPROVED else "Signed off; a second approver is needed.",
            )
        elif action == "decline":
            decline_grant(grant, by=request.user, note=request.POST.get("note", "")[:2000])
            messages.success(request, "Declined.")
        elif action == "cancel":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Give a reason to cancel.")
            else:
                cancel_grant(grant, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, "Cancelled; the remaining installments are cancelled too.")
    except (ApprovalError, TransitionNotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("grants:detail", pk=grant.pk)


@require_GET
@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    table = program_ledger()
    return render(
        request,
        "grants/ledger.html",
        {
            "rows": table.to_dict("records"),
            # Never one total across currencies: a row of totals per currency.
            "totals": {
                currency: {c: group[c].sum() for c in ["scheduled", "due", "held", "cancelled", "paid", "outstanding"]}
                for currency, group in table.groupby("currency")
            },
        },
    )


@require_POST
@login_required
def send_letter(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    grant = grant_for_user(request, pk)
    try:
        letters.send_letter(grant, by=request.user)
    except letters.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The letter is on its way to the grantee.")
    return redirect("grants:detail", pk=grant.pk)


def _get_letter_for_user(request: HttpRequest, pk: int) -> GrantLetter:
    letter = get_object_or_404(GrantLetter.objects.select_related("grant__grantee"), pk=pk)
    if not request.user.has_perm("grants.view_grant", letter.grant):
        raise PermissionDenied("You may not see this letter.")
    return letter


@require_http_methods(["GET", "POST"])
@login_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter_for_user(request, pk)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            letters.accept_letter(
                letter, name=form.cleaned_data["full_name"], ip=request.META.get("REMOTE_ADDR"), by=request.user
            )
        except letters.LetterError as exc:
            form.add_error("full_name", str(exc))
        else:
            messages.success(request, "Accepted. Your grant is active.")
            return redirect("grants:detail", pk=letter.grant_id)
    return render(request, "grants/accept.html", {"letter": letter, "grant": letter.grant, "form": form})


@require_GET
@login_required
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter_for_user(request, pk)
    record_file_access(letter.grant.grantee_id, request.user, f"grant letter of grant #{letter.grant_id}")
    response = FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=f"grant-letter-{letter.grant_id}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CheckIn.objects.select_related("grant__grantee"), pk=pk)
    if not request.user.has_perm("grants.view_grant", item.grant):
        raise PermissionDenied("You may not see this check-in.")
    is_grantee = request.user.pk == item.grant.grantee_id
    form = CheckInForm(
        request.POST or None, initial={"studied": item.studied, "papers": item.papers, "plans": item.plans}
    )
    if request.method == "POST":
        if not is_grantee:
            raise PermissionDenied("Only the grantee writes their check-in.")
        if form.is_valid():
            checkins.submit_checkin(item, by=request.user, **form.cleaned_data)
            messages.success(request, "Thank you: check-in received.")
            return redirect("grants:detail", pk=item.grant_id)
    return render(request, "grants/checkin.html", {"checkin": item, "form": form, "is_grantee": is_grantee})


@require_http_methods(["GET", "POST"])
@login_required
def where(request: HttpRequest, pk: int) -> HttpResponse:
    """The grantee (or an organizer) records where the grantee is now."""
    grant = grant_for_user(request, pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcomes.record_outcome(grant, by=request.user, **form.cleaned_data)
        messages.success(request, "Thank you: recorded.")
        return redirect("grants:detail", pk=grant.pk)
    return render(request, "grants/where.html", {"grant": grant, "form": form})


@require_GET
@login_required
def outcomes_page(request: HttpRequest) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    table = outcomes.outcomes_report()
    if request.GET.get("format") == "csv":
        return csv_response(table, "grant-outcomes.csv")
    totals = table.groupby("outcome")["grants"].sum().sort_values(ascending=False) if len(table) else []
    top = max(totals) if len(totals) else 1
    bars = [
        {"label": k, "value": int(v), "share": round(100 * v / top, 1)}
        for k, v in (totals.items() if len(table) else [])
    ]
    return render(request, "grants/outcomes.html", {"rows": table.to_dict("records"), "bars": bars})


@require_POST
@login_required
def ta_letter(request: HttpRequest, offer_pk: int) -> HttpResponse:
    require_perm(request, "grants.manage_grants")
    offer = get_object_or_404(
        Offer.objects.select_related("application__call__cohort", "application__applicant"), pk=offer_pk
    )
    form = TALetterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a daily rate and a currency.")
    else:
        try:
            letters.send_ta_offer_letter(offer, by=request.user, **form.cleaned_data)
        except letters.LetterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The TA offer letter is on its way.")
    return redirect("applications:detail", pk=offer.application_id)
