"""Payment pages: due installments and batches, a batch and its files, bank details (the grantee's own,
the payments team's view), tax forms, and bank statements with the entries that need a person."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants.access import grant_for_user
from grants.forms import BankDetailsForm, BatchPaidForm, CurrencyForm, ReasonForm, StatementForm, TaxFormForm
from grants.models import (
    BankStatement,
    HoldReason,
    Installment,
    InstallmentState,
    PaymentBatch,
    PayoutAccess,
    PayoutDetails,
    PayoutFile,
    StatementEntry,
    TaxForm,
)
from program.access import require_perm
from program.exports import download
from program.forms import errors_sentence
from program.privacy.access_log import record_file_access

from . import batches, payouts
from .exporting import ExportRefused, export_file, file_bytes
from .formats import FILE_EXTENSIONS, PAYOUT_FORMATS
from .reconcile import import_statement
from .statements import MAX_BYTES, NotAStatement

FIELD_LABELS = {
    "holder": "Account holder",
    "iban": "IBAN",
    "bic": "BIC",
    "wise_email": "Wise account email",
    "account_number": "Account number",
    "routing_number": "Routing number",
}


@require_http_methods(["GET", "POST"])
@login_required
def payments_page(request: HttpRequest) -> HttpResponse:
    """Due and held installments, a batch per currency, and the batches so far (payments permission)."""
    require_perm(request, "grants.pay")
    form = CurrencyForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, f"No batch was made. {errors_sentence(form)}")
            return redirect("grants:payments")
        batch, skipped, held = batches.create_batch(by=request.user, currency=form.cleaned_data["currency"])
        for reason, ids in held.items():
            messages.warning(request, f"{len(ids)} installment(s) held: {HoldReason(reason).label.lower()}.")
        if skipped:
            messages.warning(
                request,
                f"{len(skipped)} installment(s) of grants you approved were left out: someone else must pay them.",
            )
        if batch is None:
            messages.error(request, "Nothing in that currency can be paid now: no batch was made.")
            return redirect("grants:payments")
        messages.success(request, f"Batch #{batch.pk} with {batch.installments.count()} installment(s).")
        return redirect("grants:batch", pk=batch.pk)
    waiting = (
        Installment.objects.filter(state__in=[InstallmentState.DUE, InstallmentState.HELD])
        .select_related("grant__grantee")
        .order_by("due_on", "pk")
    )
    due_currencies = sorted(set(waiting.filter(state=InstallmentState.DUE).values_list("currency", flat=True)))
    recent = (
        PaymentBatch.objects.select_related("created_by")
        .annotate(count=Count("installments"), total=Sum("installments__amount"))
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "grants/payments.html",
        {"due": waiting[:500], "batches": recent, "due_currencies": due_currencies, "form": form},
    )


@require_http_methods(["GET", "POST"])
@login_required
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "grants.pay")
    found = get_object_or_404(PaymentBatch.objects.select_related("created_by"), pk=pk)
    form = BatchPaidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            paid, total = batches.pay_batch(found, by=request.user, reference=form.cleaned_data["reference"])
        except batches.PaymentRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{paid} installment(s) recorded paid, {total} {found.currency} in all.")
        return redirect("grants:batch", pk=found.pk)
    items = found.installments.select_related("grant__grantee").order_by("grant__grantee__full_name", "due_on")
    totals = items.order_by().values("currency").annotate(total=Sum("amount"), count=Count("pk")).order_by("currency")
    return render(
        request,
        "grants/batch.html",
        {
            "batch": found,
            "items": items,
            "totals": totals,
            "form": form,
            "bank_formats": [f for f in PAYOUT_FORMATS.values() if f.is_bank_file],
            "lists": [f for f in PAYOUT_FORMATS.values() if not f.is_bank_file],
            "files": found.files.select_related("created_by").order_by("created_at"),
        },
    )


@require_POST
@login_required
def batch_make_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Make (once) the batch's bank file in this format; the batch is locked from then on."""
    require_perm(request, "grants.pay")
    found = get_object_or_404(PaymentBatch, pk=pk)
    if fmt not in PAYOUT_FORMATS or not PAYOUT_FORMATS[fmt].is_bank_file:
        raise Http404("No such bank file format.")
    try:
        made = export_file(found, fmt, by=request.user)
    except (ExportRefused, batches.PaymentRefused) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{PAYOUT_FORMATS[fmt].label}: {made.installments} installment(s), sha256 {made.sha256[:16]}…"
        )
        for warning in made.warnings:
            messages.warning(request, warning)
    return redirect("grants:batch", pk=found.pk)


@require_GET
@login_required
def batch_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A list (made fresh), or a bank file already made (the same bytes every time; recorded)."""
    require_perm(request, "grants.pay")
    found = get_object_or_404(PaymentBatch, pk=pk)
    payout_format = PAYOUT_FORMATS.get(fmt)
    if payout_format is None:
        raise Http404(f"No payout format {fmt!r}; there are {', '.join(PAYOUT_FORMATS)}.")
    if not payout_format.is_bank_file:
        return download(payout_format.listing(found), payout_format.content_type, f"payment-batch-{found.pk}.{fmt}")
    made = PayoutFile.objects.filter(batch=found, format=fmt).first()
    if made is None:
        raise Http404("This bank file has not been made yet: make it on the batch page.")
    PayoutAccess.objects.create(action=PayoutAccess.Action.EXPORTED, batch=found, by=request.user)
    return download(
        file_bytes(made), payout_format.content_type, f"payment-batch-{found.pk}-{fmt}.{FILE_EXTENSIONS[fmt]}"
    )


def _payout_viewer(request: HttpRequest, pk: int):
    """The grant, and who is looking: its grantee, the payments role, or an organizer (others: 403)."""
    grant = grant_for_user(request, pk)
    user = request.user
    roles = {
        "grantee": user.pk == grant.grantee_id,
        "payer": batches.has_payments_permission(user),
        "organizer": user.has_perm("grants.manage_grants"),
    }
    if not any(roles.values()):
        raise PermissionDenied("Only the grantee, organizers and the payments team see bank details.")
    return grant, roles


@require_http_methods(["GET", "POST"])
@login_required
def payout(request: HttpRequest, pk: int) -> HttpResponse:
    """Bank details: the grantee enters their own; the payments team records another method, reveals
    (recorded) and confirms; an organizer confirms. Account numbers are shown masked."""
    grant, roles = _payout_viewer(request, pk)
    details = PayoutDetails.objects.filter(grantee=grant.grantee).select_related("entered_by", "confirmed_by").first()
    may_edit = roles["grantee"] or roles["payer"]
    form = BankDetailsForm(
        request.POST or None, staff=roles["payer"], initial={"method": details.method if details else "iban"}
    )
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Bank details are entered by the grantee or the payments team.")
        if form.is_valid():
            try:
                payouts.set_details(grant.grantee, by=request.user, **form.cleaned_data)
            except payouts.DetailsRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Saved. A second person confirms new bank details before the next payment.")
                return redirect("grants:payout", pk=grant.pk)
    staff = roles["payer"] or roles["organizer"]
    return render(
        request,
        "grants/payout.html",
        {
            "grant": grant,
            "form": form if may_edit else None,
            "details": details,
            "roles": roles,
            "may_confirm": details is not None and payouts.may_confirm(details, request.user),
            "changes": details.changes.select_related("changed_by").order_by("-changed_at")[:50]
            if details and staff
            else [],
            "accesses": PayoutAccess.objects.filter(details=details).select_related("by")[:50]
            if details and staff
            else [],
            "tax_forms": TaxForm.objects.filter(person=grant.grantee).select_related("uploaded_by"),
            "tax_form_form": TaxFormForm(initial={"year": timezone.localdate().year}),
            "tax_form_required": settings.GRANT_TAX_FORM_REQUIRED,
        },
    )


@require_POST
@login_required
def payout_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    grant, roles = _payout_viewer(request, pk)
    if not roles["payer"]:
        raise PermissionDenied("Only the payments team sees full bank details.")
    details = get_object_or_404(PayoutDetails, grantee=grant.grantee)
    try:
        revealed = payouts.reveal(details, by=request.user)
    except payouts.DetailsRefused as exc:
        raise PermissionDenied(str(exc)) from None
    response = render(
        request,
        "grants/payout_revealed.html",
        {
            "grant": grant,
            "details": details,
            "revealed": [(FIELD_LABELS[k], revealed[k]) for k in FIELD_LABELS if revealed.get(k)],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def payout_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    grant, roles = _payout_viewer(request, pk)
    if not (roles["payer"] or roles["organizer"]) or roles["grantee"]:
        raise PermissionDenied("Bank details are confirmed by a second person on the team, never by the grantee.")
    details = get_object_or_404(PayoutDetails, grantee=grant.grantee)
    try:
        released = payouts.confirm_details(details, by=request.user)
    except payouts.DetailsRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Confirmed. {released} held installment(s) are due again.")
    return redirect("grants:payout", pk=grant.pk)


@require_POST
@login_required
def tax_form_upload(request: HttpRequest, pk: int) -> HttpResponse:
    grant, roles = _payout_viewer(request, pk)
    if not (roles["grantee"] or roles["payer"]):
        raise PermissionDenied("Tax forms are uploaded by the grantee or the payments team.")
    form = TaxFormForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        payouts.add_tax_form(
            grant.grantee, by=request.user, year=data["year"], kind=data["kind"], upload=data["tax_form"]
        )
        messages.success(request, f"Tax form for {data['year']} received.")
    else:
        messages.error(request, f"Nothing was saved. {errors_sentence(form)}")
    return redirect("grants:payout", pk=grant.pk)


@require_POST
@login_required
def tax_form_review(request: HttpRequest, pk: int) -> HttpResponse:
    if not batches.has_payments_permission(request.user):
        raise PermissionDenied("Only the payments team reviews tax forms.")
    form = get_object_or_404(TaxForm, pk=pk)
    status = request.POST.get("status", "")
    if status not in TaxForm.Status.values:
        raise Http404("No such status.")
    try:
        payouts.set_tax_form_status(form, status=status, by=request.user, note=request.POST.get("note", ""))
    except payouts.DetailsRefused as exc:
        raise PermissionDenied(str(exc)) from None
    grant = form.person.grants.order_by("-created_at").first()
    messages.success(request, f"Tax form {form.kind} {form.year}: {form.get_status_display().lower()}.")
    return redirect("grants:payout", pk=grant.pk) if grant else redirect("grants:payments")


@require_GET
@login_required
def tax_form_file(request: HttpRequest, pk: int) -> HttpResponse:
    form = get_object_or_404(TaxForm, pk=pk)
    if request.user.pk != form.person_id and not batches.has_payments_permission(request.user):
        raise PermissionDenied("Only the person and the payments team open a tax form.")
    record_file_access(form.person_id, request.user, f"tax form {form.kind} {form.year}")
    response = FileResponse(
        form.file.open("rb"),
        as_attachment=True,
        filename=form.filename or "tax-form.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def statements(request: HttpRequest) -> HttpResponse:
    """Import a bank statement; see the statements so far and every entry that needs a person."""
    require_perm(request, "grants.pay")
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["statement"]
            try:
                report = import_statement(upload.read(MAX_BYTES + 1), filename=upload.name, by=request.user)
            except NotAStatement as exc:
                messages.error(request, f"Nothing was imported: not a statement ({exc}).")
            else:
                messages.success(
                    request,
                    f"{report['format']}: {report['entries']} entries; {report['matched']} installment(s) paid, "
                    f"{report['already_paid']} already paid, {report['returned']} returned, "
                    f"{report['amount_mismatch']} with another amount, {len(report['unmatched'])} unmatched.",
                )
            return redirect("grants:statements")
        messages.error(request, f"Nothing was imported. {errors_sentence(form)}")
    open_entries = (
        StatementEntry.objects.filter(resolution=StatementEntry.Resolution.OPEN)
        .select_related("statement", "installment__grant__grantee")
        .order_by("booked_on", "pk")[:500]
    )
    recent = BankStatement.objects.select_related("imported_by").annotate(
        paid=Count("entries", filter=Q(entries__outcome=StatementEntry.Outcome.MATCHED))
    )[:50]
    done = StatementEntry.objects.exclude(
        resolution__in=[StatementEntry.Resolution.OPEN, StatementEntry.Resolution.NONE]
    )
    return render(
        request,
        "grants/statements.html",
        {
            "form": form,
            "open_entries": open_entries,
            "statements": recent,
            "done": done.select_related("resolved_by").order_by("-resolved_at")[:50],
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@login_required
def statement_entry(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A person resolves (handled outside Runway) or dismisses an entry; who, when and why are kept."""
    require_perm(request, "grants.pay")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why.")
        return redirect("grants:statements")
    resolution = {"resolve": StatementEntry.Resolution.RESOLVED, "dismiss": StatementEntry.Resolution.DISMISSED}[action]
    done = StatementEntry.objects.filter(pk=pk, resolution=StatementEntry.Resolution.OPEN).update(
        resolution=resolution,
        resolved_by=request.user,
        resolved_at=timezone.now(),
        resolution_note=form.cleaned_data["reason"],
    )
    if not done:
        raise Http404("No open entry with that number.")
    messages.success(request, f"Entry {resolution.label.lower()}.")
    return redirect("grants:statements")
