"""Site calendars: opening hours, carrier cut-off and outages."""

import simpy

from omsim.scenario.schema import SiteSpec
from omsim.sim.sites import Outage, Site


def site(**spec) -> Site:
    return Site(
        simpy.Environment(),
        "S1",
        SiteSpec(**spec),
        start_hour=0.0,
        outages=[Outage(50.0, 60.0, "stop"), Outage(70.0, 72.0, "reject")],
    )


def test_next_open_waits_for_the_opening_hour() -> None:
    s = site(open_hour=9, close_hour=21)
    assert s.next_open(10.0) == 10.0
    assert s.next_open(22.0) == 33.0  # 22:00 -> 09:00 next day
    assert s.next_open(3.0) == 9.0


def test_carrier_cutoff() -> None:
    s = site(carrier_cutoff_hour=16)
    assert s.next_carrier_pickup(10.0) == 16.0
    assert s.next_carrier_pickup(17.0) == 40.0
    assert site().next_carrier_pickup(5.5) == 5.5  # no cut-off: leaves at once


def test_stop_outages_delay_readiness_reject_outages_do_not() -> None:
    s = site()
    assert s.ready_at(49.0) == 49.0
    assert s.ready_at(55.0) == 60.0
    assert s.ready_at(71.0) == 71.0 and s.outage_at(71.0).mode == "reject"


def test_opening_hours_and_outage_combine() -> None:
    s = site(open_hour=8, close_hour=20)
    assert s.ready_at(55.0) == 60.0  # 12:00 on day 3, after the stop ends, open
    assert s.ready_at(45.0) == 60.0  # 21:00 closed; opens 08:00 inside the stop; ready at its end
    assert s.ready_at(33.0) == 33.0
