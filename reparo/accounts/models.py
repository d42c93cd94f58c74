"""Users, organisation memberships and roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from reparo.core.fields import EncryptedCharField
from reparo.core.models import TimeStampedModel, UUIDModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class AccountType(models.TextChoices):
    STAFF = "staff", _("Staff")
    PARTICIPANT = "participant", _("Participant")
    # The account an organisation's API token acts through (reparo.api): no password, no second factor, no
    # membership; what it may do comes from its token's scopes, in its token's organisation, on that token's calls.
    INTEGRATION = "integration", _("API token")


class User(UUIDModel, AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff (every account with an organisation role) and participants (a survivor,
    responsible person or supporter using the portal) alike need two factors. A participant's ``email`` is the
    sign-in name the portal gave them under a reserved domain (``reparo.portal``), never a real address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = EncryptedCharField(_("full name"), max_length=200, blank=True, null=True)
    account_type = models.CharField(
        _("account type"), max_length=16, choices=AccountType.choices, default=AccountType.STAFF
    )
    is_active = models.BooleanField(_("active"), default=True)  # type: ignore[misc]
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Bumped to end every session of this user ("sign out everywhere", deactivation, password change).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[var-annotated]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """How colleagues see this user on every page: their name, or their e-mail address if they gave none."""
        return self.full_name or self.email

    def is_verified(self) -> bool:
        """Replaced on each request by django-otp's middleware; without it, never verified (fail closed)."""
        return False

    @property
    def requires_two_factor(self) -> bool:
        return True

    @property
    def is_participant(self) -> bool:
        return self.account_type == AccountType.PARTICIPANT

    def get_short_name(self) -> str:
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django verifies this hash on every request and ends a session whose hash no longer matches, so
        # bumping ``session_generation`` ends all of this user's sessions at once.
        key_salt = "reparo.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation admin")
    COORDINATOR = "coordinator", _("Coordinator")
    FACILITATOR = "facilitator", _("Facilitator")
    CASE_WORKER = "case_worker", _("Case worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    COSA_VOLUNTEER = "cosa_volunteer", _("CoSA volunteer")
    EVALUATOR = "evaluator", _("Evaluator")
    PARTNER_LIAISON = "partner_liaison", _("Partner liaison")
    PARTNER_WORKER = "partner_worker", _("Partner worker")
    SUPPORT_VOLUNTEER = "support_volunteer", _("Support circle volunteer")


class Membership(TimeStampedModel):
    """A user's role in an organisation. A user may hold several roles."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["organisation", "role", "is_active"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class AccessStamp(models.Model):
    """One row whose ``value`` changes, by database trigger, in the same transaction as any write to users,
    memberships, organisations, programs or two-factor devices (migration ``accounts.0002``). It is read with the
    signed-in user (:class:`reparo.accounts.backends.UserBackend`) and keys :mod:`reparo.accounts.access_cache`'s
    copies: a value is never reused (a sequence on PostgreSQL, a random 64-bit number on SQLite), so a change, even
    one rolled back, can never make an older copy look current."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("access stamp")
        verbose_name_plural = _("access stamps")

    def __str__(self) -> str:
        return str(self.value)


class RateLimitWindow(models.Model):
    """How often something counted under ``key`` happened in the window that ends at ``expires_at``.

    ``key`` is a keyed hash (HMAC with the secret key) of what is counted, such as an e-mail address or a client
    address: never the value itself. Each count is taken under a row lock (``reparo.accounts.services.
    rate_limit_take``), so every process, on SQLite or PostgreSQL, agrees on it."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("window ends"), db_index=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate-limit window")
        verbose_name_plural = _("rate-limit windows")

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"
