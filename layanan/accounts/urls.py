from django.contrib.auth import views as auth_views
from django.urls import path

from layanan.accounts import staff_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("registrasi/", views.register, name="register"),
    path("registrasi/terkirim/", views.register_done, name="register-done"),
    path("registrasi/konfirmasi/<str:token>/", views.confirm_email, name="confirm"),
    path("registrasi/kirim-ulang/", views.confirm_resend, name="confirm-resend"),
    path("syarat-dan-privasi/", views.terms, name="terms"),
    path("kode-keamanan.png", views.captcha_image, name="captcha"),
    path("masuk/", views.login_resident, name="login"),
    path("petugas/masuk/", views.login_staff, name="staff-login"),
    path("petugas/masuk/kode/", two_factor_views.two_factor, name="two-factor"),
    path("keluar/", views.logout_view, name="logout"),
    path("lupa-password/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "lupa-password/terkirim/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "lupa-password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "lupa-password/selesai/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("profil/", views.profile_view, name="profile"),
    path("profil/ubah/", views.profile_edit, name="profile-edit"),
    path("profil/dokumen/<str:kind>/", views.own_document, name="own-document"),
    path("wilayah/desa/", views.village_options, name="village-options"),
    path("ubah-password/", views.password_change, name="password-change"),
    path("petugas/verifikasi/", staff_views.verification_list, name="verification-list"),
    path(
        "petugas/verifikasi/<uuid:public_id>/",
        staff_views.verification_detail,
        name="verification-detail",
    ),
    path(
        "petugas/verifikasi/<uuid:public_id>/dokumen/<str:kind>/",
        staff_views.verification_document,
        name="verification-document",
    ),
    path(
        "petugas/verifikasi/<uuid:public_id>/verifikasi/",
        staff_views.verification_verify,
        name="verification-verify",
    ),
    path(
        "petugas/verifikasi/<uuid:public_id>/tolak/",
        staff_views.verification_reject,
        name="verification-reject",
    ),
    path("petugas/pemulihan-akun/", staff_views.counter_recovery, name="counter-recovery"),
    path(
        "petugas/pemulihan-akun/<uuid:public_id>/",
        staff_views.counter_recovery_account,
        name="counter-recovery-account",
    ),
]
