"""Unified social credit codes (GB 32100-2015): known codes, and properties of the check character."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from members.identifiers import USCC_ALPHABET, credit_code_problem, make_credit_code, validate_credit_code

bodies = st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9)
authorities = st.sampled_from(["11", "12", "51", "52", "91", "92", "93", "A1", "N1", "N2", "Y1"])
divisions = st.from_regex(r"\A[1-6][0-9]{5}\Z")


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_codes_are_valid(code):
    validate_credit_code(code)


def test_codes_starting_with_a_n_y_are_accepted():
    for authority in ("A1", "N2", "Y1"):
        validate_credit_code(make_credit_code(authority, "370303", "MA3C4D5E6"))


@given(authorities, divisions, bodies)
def test_made_codes_validate(authority, division, body):
    assert credit_code_problem(make_credit_code(authority, division, body)) is None


@given(authorities, divisions, bodies, st.integers(min_value=0, max_value=16), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_is_caught(authority, division, body, position, replacement):
    code = make_credit_code(authority, division, body)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code:
        assert credit_code_problem(changed) is not None


@given(authorities, divisions, bodies, st.integers(min_value=0, max_value=15))
def test_swapping_neighbours_is_caught(authority, division, body, position):
    code = make_credit_code(authority, division, body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert credit_code_problem(swapped) is not None


@pytest.mark.parametrize(
    "code",
    ["", "9135010", "91350100M000100Y4I", "Z1350100M000100Y43", "91ABCDEFM000100Y43", "91350100M000100Y44"],
)
def test_bad_codes_get_a_reason(code):
    with pytest.raises(ValidationError):
        validate_credit_code(code)
