"""Pages of residents' accounts: registration, login, Beranda, profile, passwords."""

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layanan.accounts import rules
from layanan.accounts.authentication import (
    login_authenticate,
    login_check_not_locked,
    login_counters_reset,
    login_device_remember,
    login_failure_count,
)
from layanan.accounts.captcha import captcha_cookie, captcha_issue, captcha_png
from layanan.accounts.choices import DocumentKind
from layanan.accounts.decorators import resident_required
from layanan.accounts.forms import (
    EmailForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegistrationForm,
    SetPasswordForm,
    StaffLoginForm,
)
from layanan.accounts.models import ResidentProfile
from layanan.accounts.services import (
    ProfileChanges,
    confirmation_resend_request,
    password_reset_request,
    profile_update,
    profile_viewed,
    resident_email_confirm,
    resident_register,
)
from layanan.accounts.two_factor import two_factor_satisfied
from layanan.core.errors import DomainError
from layanan.core.service_calls import service_call
from layanan.core.throttle import client_address, throttle
from layanan.regions.selectors import villages_of_district


def _home_for(user) -> str:
    return reverse("letters:dashboard") if user.is_resident else reverse("backoffice:dashboard")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take "9999" or "a:b" for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


# --- Kode Keamanan -----------------------------------------------------------------------


@require_GET
@never_cache
@captcha_cookie
def captcha_image(request):
    return HttpResponse(captcha_png(request), content_type="image/png")


# --- Registration (guide section 4) ------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@captcha_cookie
def register(request):
    if request.user.is_authenticated:
        return redirect(_home_for(request.user))
    form = RegistrationForm(request.POST or None, request=request)
    if request.method == "POST":
        until = throttle("register-address").locked_until(client_address(request))
        if until:
            messages.error(request, _("Too many registrations from your network. Try again later."))
        elif form.is_valid():
            throttle("register-address").hit(client_address(request))
            data = form.cleaned_data
            resident_register(
                nik=data["nik"],
                full_name=data["full_name"],
                birth_place=data["birth_place"],
                birth_date=data["birth_date"],
                email=data["email"],
                password=data["password"],
            )
            request.session["ldm_registered"] = {"name": data["full_name"], "email": data["email"]}
            return redirect("accounts:register-done")
    captcha_issue(request)
    return render(request, "accounts/register.html", {"form": form})


@require_GET
def register_done(request):
    registered = request.session.pop("ldm_registered", None)
    if registered is None:
        return redirect("accounts:register")
    return render(request, "accounts/register_done.html", registered)


@require_http_methods(["GET", "POST"])
@never_cache
def confirm_email(request, token: str):
    """GET shows a button; POST confirms (mail scanners that prefetch links confirm nothing)."""
    if request.method == "POST":
        with service_call(request) as call:
            resident_email_confirm(token=token)
        if not call.succeeded:
            return redirect("accounts:confirm-resend")
        messages.success(request, _("Your email is confirmed. You can log in now."))
        return redirect("accounts:login")
    return render(request, "accounts/confirm_email.html")


@require_http_methods(["GET", "POST"])
@never_cache
@captcha_cookie
def confirm_resend(request):
    form = EmailForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        if not throttle("confirm-resend-address").locked_until(address):
            throttle("confirm-resend-address").hit(address)
            confirmation_resend_request(email=form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "If an unconfirmed account uses this email, we have sent it a new confirmation "
                "link. Check your inbox and spam folder."
            ),
        )
        return redirect("accounts:login")
    captcha_issue(request)
    return render(request, "accounts/confirm_resend.html", {"form": form})


# --- Login and logout (guide sections 5 and 13) ------------------------------------------


def _login_page(request, *, staff: bool):
    if request.user.is_authenticated:
        return redirect(_home_for(request.user))
    form_class = StaffLoginForm if staff else LoginForm
    form = form_class(request.POST or None, request=request)
    if request.method == "POST":
        raw = form.data.get("identifier", "")
        identifier = raw.strip().lower() if staff else "".join(ch for ch in raw if ch.isdigit())
        with service_call(request, form=form) as call:
            login_check_not_locked(request=request, identifier=identifier)
            if not form.is_valid():
                warning = ""
                if "captcha" in form.errors:
                    warning = login_failure_count(request=request, identifier=None)
                raise DomainError(warning, code="form")
            user = login_authenticate(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                staff=staff,
            )
        if call.succeeded:
            login(request, user)
            response = redirect(safe_next(request, _home_for(user)))
            login_device_remember(request=request, response=response, identifier=identifier)
            return response
        form.show_resend = call.error is not None and call.error.code == "unconfirmed"
    captcha_issue(request)
    template = "accounts/login_staff.html" if staff else "accounts/login.html"
    return render(request, template, {"form": form, "next": safe_next(request, "")})


@require_http_methods(["GET", "POST"])
@never_cache
@captcha_cookie
def login_resident(request):
    return _login_page(request, staff=False)


@require_http_methods(["GET", "POST"])
@never_cache
@captcha_cookie
def login_staff(request):
    return _login_page(request, staff=True)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("content:home")


# --- Forgotten password ------------------------------------------------------------------


@method_decorator(captcha_cookie, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get(self, request, *args, **kwargs):
        captcha_issue(request)
        return super().get(request, *args, **kwargs)

    def form_invalid(self, form):
        captcha_issue(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        # The same steps for every address: the link is looked up, built and sent after the
        # answer (accounts.tasks), so the answer and its time tell nothing about the address.
        address = client_address(self.request)
        if not throttle("password-reset-address").locked_until(address):
            throttle("password-reset-address").hit(address)
            password_reset_request(email=form.cleaned_data["email"])
        return redirect(self.success_url)  # the same answer when locked; nothing sent


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The link reached the owner's inbox: that confirms the email address too.
        user = form.user
        if user.email_confirmed_at is None:
            user.email_confirmed_at = timezone.now()
            user.save(update_fields=["email_confirmed_at"])
        # Only the owner receives the link: a lock a stranger's guesses caused ends here.
        login_counters_reset(request=self.request, identifier=user.username)
        return response


# --- Profile and password (guide sections 7 and 12; Beranda is in letters) --------------


def identity_documents(profile: ResidentProfile, url_for) -> list[tuple]:
    """(kind, label, file, url) of the KTP and KK, for the documents include."""
    return [
        (kind, label, profile.document(kind), url_for(kind)) for kind, label in DocumentKind.choices
    ]


@resident_required
def profile_view(request):
    profile = ResidentProfile.objects.select_related("user", "village__district").get(
        user=request.user
    )
    documents = identity_documents(
        profile, lambda kind: reverse("accounts:own-document", kwargs={"kind": kind})
    )
    return render(request, "accounts/profile.html", {"profile": profile, "documents": documents})


@resident_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = ResidentProfile.objects.select_related("user", "village__district").get(
        user=request.user
    )
    if request.method == "POST" and "refresh_villages" in request.POST:
        # Without JavaScript: show the villages of the chosen kecamatan, keep what was typed.
        form = ProfileForm(
            instance=profile,
            initial=request.POST.dict(),
            district_code=request.POST.get("district") or None,
        )
    elif request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if getattr(request, "upload_too_large", False):
            form.add_error(None, _("The uploaded files are too large."))
        elif form.is_valid():
            with service_call(request, form=form) as call:
                profile_update(
                    profile=profile,
                    changes=ProfileChanges(
                        values=form.changed_values(),
                        ktp=form.cleaned_data["ktp_upload"],
                        kk=form.cleaned_data["kk_upload"],
                    ),
                )
            if call.succeeded:
                messages.success(request, _("Your profile has been saved."))
                return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=profile)
    return render(request, "accounts/profile_edit.html", {"form": form, "profile": profile})


@require_GET
def village_options(request):
    """The <option> list of a kecamatan's villages, for the profile form's HTMX select."""
    district = request.GET.get("district", "")
    villages = villages_of_district(district) if district else []
    return render(request, "accounts/includes/village_options.html", {"villages": villages})


@resident_required
@require_GET
def own_document(request, kind: str):
    return document_response(request, request.user.profile, kind)


def document_response(request, profile: ResidentProfile, kind: str):
    """Stream a KTP or KK to someone the rules allow, recording staff views."""
    if kind not in DocumentKind.values:
        raise Http404
    if not rules.can_see_identity_documents(request.user, profile):
        raise PermissionDenied
    file = profile.document(kind)
    if not file:
        raise Http404
    profile_viewed(profile=profile, actor=request.user, document=kind)
    extension = file.name.rsplit(".", 1)[-1]
    content_type = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[extension]
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{kind}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    if not two_factor_satisfied(request.user):
        return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Keep this session; every other session of the user ends with the old hash.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect(_home_for(user))
    base = "accounts/base_resident.html" if request.user.is_resident else "backoffice/base.html"
    return render(request, "accounts/password_change.html", {"form": form, "base": base})


@require_GET
def terms(request):
    return render(request, "accounts/terms.html")
