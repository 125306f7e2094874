"""The record page shows what an admin sees on an Order Summary."""

from omsim.domain import create_fulfillment_orders, raise_process_exception


def test_record_page_shows_header_lines_related_lists_and_exceptions(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)], charge=300)
    create_fulfillment_orders(
        summary, summary.delivery_groups[0].id, {"W1": {summary.items[0].id: 2}}, at=1.0
    )
    raise_process_exception(
        summary, category="Payment", attached_to_id="PA-1", message="Capture failed", at=2.0
    )
    html = summary._repr_html_()
    for text in (
        summary.id,
        "Waiting to Fulfill",
        "23.00",  # grand total
        "ReturnInitiated",
        "ALLOCATED",
        "Fulfillment Orders (1)",
        "W1",
        "1 active process exception(s) need attention",
        "Capture failed",
        "Credit Memos (0)",
    ):
        assert text in html, text


def test_record_page_shows_header_discounts_fulfillment_totals_and_reversals(
    make_summary, ship
) -> None:
    from omsim.domain import (
        DeliveryGroupInput,
        IdFactory,
        OrderLineInput,
        authorize_payment,
        create_order,
        create_order_summary,
        submit_cancel,
    )

    ids = IdFactory()
    order = create_order(
        ids,
        lines=[OrderLineInput("A", 2, 1000)],
        delivery_groups=[DeliveryGroupInput("default")],
        at=0.0,
        header_discount_cents=150,
    )
    summary, _ = create_order_summary(ids, order, at=0.0)
    authorize_payment(summary, amount_cents=1850, at=0.0)
    submit_cancel(summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=False)
    ship(summary, {summary.items[0].id: 1})
    html = summary._repr_html_()
    assert "Order Adjustment Group Summaries (1)" in html
    assert "<td>Order discount</td><td>-0.75</td>" in html  # 150 less the canceled unit's 75
    assert "<th>GrandTotalAmount</th><th>Invoice</th>" in html
    assert "<td>9.25</td>" in html  # the fulfillment order's grand total: 1000 - 75
    # authorized 18.50, reversed the canceled unit's 9.25, captured the 9.25 shipped
    assert "<th>Authorized</th><th>Reversed</th>" in html
    assert "<td>18.50</td><td>9.25</td><td>9.25</td>" in html
