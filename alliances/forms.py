from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from members.models import MemberUnit

from .models import User
from .permissions import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The account name or password is wrong. After 5 failures the account is locked for 15 minutes."
        ),
        "inactive": _("This account is deactivated."),
    }


class GrantForm(forms.Form):
    username = forms.CharField(label=_("Account name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    # Tenant querysets are scoped when evaluated: only this alliance's units can be chosen.
    member_unit = forms.ModelChoiceField(
        label=_("Member unit"),
        queryset=MemberUnit.objects.order_by("name"),
        required=False,
        help_text=_("Only for member representatives."),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No account has this name."))
        self.user = user
        return username


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
