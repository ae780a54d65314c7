from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.models import MemberUnit

from .models import User, mobile_validator
from .permissions import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The account name or password is wrong. After 5 failures the account is locked for 15 minutes."
        ),
        "inactive": _("This account is deactivated."),
    }


class GrantForm(forms.Form):
    username = forms.CharField(
        label=_("Account name"), max_length=150, help_text=_("An existing account, or the name of a new one.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    # Tenant querysets are scoped when evaluated: only this alliance's units can be chosen.
    member_unit = forms.ModelChoiceField(
        label=_("Member unit"),
        queryset=MemberUnit.objects.order_by("name"),
        required=False,
        help_text=_("Only for member representatives."),
    )

    name = forms.CharField(label=_("Name (new account)"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("Mobile (new account)"), max_length=11, required=False, validators=[mobile_validator]
    )
    email = forms.EmailField(label=_("E-mail (new account)"), required=False)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        self.user = User.objects.filter(username=username).first()
        return username

    def clean(self):
        cleaned = super().clean()
        if "username" in cleaned and self.user is None and not cleaned.get("name"):
            self.add_error("name", _("No account has this name. To create one, give the person's name too."))
        return cleaned

    @property
    def creates_account(self) -> bool:
        return self.user is None


class LockoutForm(forms.Form):
    username = forms.CharField(label=_("Account name"), max_length=150, required=False)
    ip_address = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("username") and not cleaned.get("ip_address"):
            raise forms.ValidationError(_("Name an account or an address to unlock."))
        return cleaned


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def error_messages(exc: Exception) -> list[str]:
    """What a refused step says, as a list: a ValidationError's messages, or a refusal's one text."""
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def attach_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: known fields by name, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
