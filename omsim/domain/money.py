"""Money rules: integer minor units, per-line tax rounded half-even, exact proration.

All amounts are integer cents (minor units) of the order currency. Tax rates are `Decimal`
fractions (``Decimal("0.0825")`` for 8.25%).
"""

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction


def round_half_even(value: Fraction) -> int:
    """Round an exact fraction to an integer, ties to even (banker's rounding).

    >>> round_half_even(Fraction(5, 2)), round_half_even(Fraction(7, 2)), round_half_even(Fraction(-5, 2))
    (2, 4, -2)
    """
    floor = value.numerator // value.denominator
    remainder = value - floor
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and floor % 2 == 1):
        return floor + 1
    return floor


def tax_cents(amount_cents: int, rate: Decimal) -> int:
    """Tax on a line amount, rounded half-even to the cent.

    >>> tax_cents(1999, Decimal("0.0825"))  # 164.9175 -> 165
    165
    >>> tax_cents(50, Decimal("0.05"))  # 2.5 -> 2 (half to even)
    2
    """
    exact = Decimal(amount_cents) * rate
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def prorate(total_cents: int, part: int, whole: int) -> int:
    """The share ``part / whole`` of an amount, rounded half-even; the whole returns it exactly.

    Used to spread an amount over units, so that taking every unit returns the total to the cent.

    >>> prorate(1000, 1, 3), prorate(1000, 3, 3), prorate(-1001, 1, 2)
    (333, 1000, -500)
    """
    if whole <= 0:
        raise ValueError(f"whole must be positive, got {whole}")
    if part == whole:
        return total_cents
    return divide_half_even(total_cents * part, whole)


def divide_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even, in integers (``round_half_even`` of the
    fraction, without building one: proration runs on every action).

    >>> divide_half_even(5, 2), divide_half_even(7, 2), divide_half_even(-5, 2), divide_half_even(7, 3)
    (2, 4, -2, 2)
    """
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    floor, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and floor % 2 == 1):
        return floor + 1
    return floor


def as_rate(value: Decimal | str | float | int) -> Decimal:
    """A tax rate as a `Decimal`, from a decimal string or number (floats go through `str`).

    >>> as_rate("0.0825"), as_rate(0.1)
    (Decimal('0.0825'), Decimal('0.1'))
    """
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:  # decimal.InvalidOperation for text that is not a number
        raise ValueError(f"tax rate must be a decimal number in [0, 1), got {value!r}") from None
    if not rate.is_finite() or rate < 0 or rate >= 1:
        raise ValueError(f"tax rate must be in [0, 1), got {value!r}")
    return rate
