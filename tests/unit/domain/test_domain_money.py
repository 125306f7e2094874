"""Money rules: half-even tax per line, exact proration, rates, API field names."""

from decimal import Decimal
from fractions import Fraction

import pytest

from omsim.domain.events import api_name
from omsim.domain.ids import IdFactory
from omsim.domain.money import as_rate, prorate, round_half_even, tax_cents


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [(1000, "0.0825", 82), (50, "0.05", 2), (150, "0.05", 8), (1550, "0.0825", 128), (0, "0.2", 0)],
)
def test_tax_rounds_half_even(amount: int, rate: str, expected: int) -> None:
    # 10.00 x 8.25% = 0.825 -> 0.82; 50 x 5% = 2.5 -> 2; 150 x 5% = 7.5 -> 8 (ties to even)
    assert tax_cents(amount, Decimal(rate)) == expected


def test_tax_of_negative_amount_is_symmetric() -> None:
    assert tax_cents(-1550, Decimal("0.0825")) == -128


def test_prorate_returns_whole_amount_for_all_units_and_shares_sum_close() -> None:
    assert prorate(1000, 3, 3) == 1000
    shares = [prorate(1000, 1, 3) for _ in range(3)]
    assert shares == [333, 333, 333]
    with pytest.raises(ValueError, match="whole must be positive"):
        prorate(10, 1, 0)


def test_round_half_even_on_fractions() -> None:
    assert [round_half_even(Fraction(n, 2)) for n in (1, 3, 5, -1, -3)] == [0, 2, 2, 0, -2]


def test_as_rate_rejects_out_of_range() -> None:
    assert as_rate(0.0825) == Decimal("0.0825")
    with pytest.raises(ValueError, match=r"tax rate must be in \[0, 1\)"):
        as_rate("1.5")


def test_api_names() -> None:
    assert api_name("quantity_available_to_return") == "QuantityAvailableToReturn"
    assert api_name("total_amt_with_tax_cents") == "TotalAmtWithTax"


def test_id_factory_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown object type 'Widget'; allowed: "):
        IdFactory().next("Widget")
