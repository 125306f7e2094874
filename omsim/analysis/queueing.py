"""Steady-state formulas of the M/M/c queue (Erlang C), to validate the simulation against.

A site with ``c`` associates, Poisson arrivals at rate ``arrival_rate`` and exponential
pick-and-pack times at rate ``service_rate`` per associate (both per hour) is an M/M/c queue.
Its offered load is ``a = arrival_rate / service_rate`` (Erlangs) and its utilisation
``rho = a / c``, which must be below 1 for a steady state to exist. Rates are per hour, times
in hours, counts in fulfillment orders. Pure functions: no simulation, no randomness.

References: A. K. Erlang (1917); D. Gross, J. F. Shortle, J. M. Thompson and C. M. Harris,
*Fundamentals of Queueing Theory*, 4th ed., Wiley, 2008, section 2.3 (M/M/c).

>>> round(mmc_mean_wait_hours(12.0, 5.0, 3) * 60, 2)  # minutes before an associate is free
12.94
"""

from __future__ import annotations

__all__ = [
    "erlang_c",
    "mmc_mean_in_queue",
    "mmc_mean_in_system",
    "mmc_mean_sojourn_hours",
    "mmc_mean_wait_hours",
]


def _load(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Offered load in Erlangs, after checking the queue is stable."""
    if servers < 1 or int(servers) != servers:
        raise ValueError(f"servers must be a positive whole number, got {servers!r}")
    if arrival_rate <= 0 or service_rate <= 0:
        raise ValueError(
            f"rates must be positive, got arrival_rate {arrival_rate}, service_rate {service_rate}"
        )
    load = arrival_rate / service_rate
    if load >= servers:
        raise ValueError(
            f"unstable queue: utilisation {load / servers:.3f} >= 1 "
            f"(arrival_rate {arrival_rate}, service_rate {service_rate}, servers {servers})"
        )
    return load


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival must wait for a server (the Erlang C formula).

    ``C(c, a) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho))`` with
    ``rho = a / c``; computed through the Erlang B recursion ``B(k) = a B(k-1) / (k + a B(k-1))``,
    ``C = B(c) / (1 - rho (1 - B(c)))``, which neither overflows nor loses precision for large
    ``c``.

    Parameters
    ----------
    servers : int
        Number of parallel servers ``c`` (associates at the site), at least 1.
    offered_load : float
        ``a = arrival_rate / service_rate`` in Erlangs, ``0 <= a < c``.

    Returns
    -------
    float
        P(wait > 0), in [0, 1).

    Examples
    --------
    M/M/1: an arrival waits with probability rho. M/M/3 at a = 2 by hand: a^3/3! = 4/3, over
    1 - 2/3 gives 4; the sum 1 + 2 + 2 = 5; so C = 4 / 9.

    >>> erlang_c(1, 0.8)
    0.8
    >>> round(erlang_c(3, 2.0), 12) == round(4 / 9, 12)
    True
    """
    if servers < 1 or int(servers) != servers:
        raise ValueError(f"servers must be a positive whole number, got {servers!r}")
    if not 0 <= offered_load < servers:
        raise ValueError(f"offered_load must be in [0, servers={servers}), got {offered_load}")
    blocking = 1.0  # Erlang B with 0 servers
    for k in range(1, int(servers) + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / servers
    return blocking / (1.0 - rho * (1.0 - blocking))


def mmc_mean_wait_hours(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time an arrival waits before service starts, ``Wq = C(c, a) / (c mu - lambda)``.

    Parameters
    ----------
    arrival_rate : float
        Poisson arrival rate ``lambda``, per hour.
    service_rate : float
        Service rate of one server ``mu`` (1 / mean service time), per hour.
    servers : int
        Number of servers ``c``.

    Returns
    -------
    float
        Hours.

    Examples
    --------
    M/M/1 with lambda = 4, mu = 5: ``Wq = rho / (mu - lambda) = 0.8`` hours.

    >>> round(mmc_mean_wait_hours(4.0, 5.0, 1), 12)
    0.8
    """
    load = _load(arrival_rate, service_rate, servers)
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def mmc_mean_sojourn_hours(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in the system, waiting plus service: ``W = Wq + 1 / mu`` (hours)."""
    return mmc_mean_wait_hours(arrival_rate, service_rate, servers) + 1.0 / service_rate


def mmc_mean_in_queue(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Time-average number waiting, ``Lq = lambda Wq`` (Little's law)."""
    return arrival_rate * mmc_mean_wait_hours(arrival_rate, service_rate, servers)


def mmc_mean_in_system(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Time-average number in the system, waiting or in service: ``L = lambda W = Lq + a``.

    >>> round(mmc_mean_in_system(4.0, 5.0, 1), 12)  # M/M/1: rho / (1 - rho)
    4.0
    """
    return arrival_rate * mmc_mean_sojourn_hours(arrival_rate, service_rate, servers)
