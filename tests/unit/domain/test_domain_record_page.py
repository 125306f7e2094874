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
