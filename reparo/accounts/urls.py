from django.urls import path

from reparo.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("sign-out/everywhere/", views.sign_out_everywhere, name="logout_everywhere"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/", views.security, name="security"),
    path("account/confirm/", views.reauthenticate, name="reauth"),
    path("account/backup-codes/", views.backup_codes_regenerate, name="backup_codes"),
    path("account/authenticators/<id:pk>/remove/", views.authenticator_remove, name="authenticator_remove"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.PasswordResetComplete.as_view(), name="password_reset_complete"),
]
