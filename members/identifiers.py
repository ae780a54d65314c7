"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

Written here rather than taken from stdnum.cn.uscc, which rejects valid codes whose first
character (registration authority) is A, N or Y.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for positions 1..17
USCC_AUTHORITIES = set("123456789ANY")


def uscc_check_char(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def credit_code_problem(value: str):
    """A translated reason why `value` is not a valid code, or None when it is valid."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters.")
    if any(char not in USCC_ALPHABET for char in code):
        return _(
            "A unified social credit code uses only digits and the letters A–Y without I, O, S, V and Z."
        )
    if code[0] not in USCC_AUTHORITIES:
        return _("The first character (registration authority) must be 1–9, A, N or Y.")
    if not code[2:8].isdigit():
        return _("Characters 3–8 must be the 6-digit division code.")
    if uscc_check_char(code[:17]) != code[17]:
        return _("The check character does not match: the code has a typing error.")
    return None


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_credit_code")


def make_credit_code(authority_and_kind: str, division_code: str, body: str) -> str:
    """Build a valid code from its parts (2 + 6 + 9 characters); used by demo data and tests."""
    first17 = f"{authority_and_kind}{division_code}{body}"
    if len(first17) != 17:
        raise ValueError("need 2 + 6 + 9 characters")
    return first17 + uscc_check_char(first17)
