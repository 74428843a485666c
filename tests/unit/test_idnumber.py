"""§9: ID numbers validated with the GB 11643 check digit, masked for most roles."""

import pytest

from domain.errors import InvalidInputError
from domain.idnumber import check_character, mask_id_number, validate_id_number


def test_check_character_of_the_standard_example():
    """GB 11643's published example 11010519491231002X: weighted sum mod 11 = 2 -> X."""
    first17 = "11010519491231002"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    assert total % 11 == 2
    assert check_character(first17) == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_wrong_check_digit_is_refused_naming_the_field():
    with pytest.raises(InvalidInputError) as caught:
        validate_id_number("110105194912310021")
    assert caught.value.field == "id_number"
    assert "check digit" in caught.value.message


@pytest.mark.parametrize("bad", ["1101051949123100", "11010519491331002X", "A1010519491231002X"])
def test_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidInputError):
        validate_id_number(bad)


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
