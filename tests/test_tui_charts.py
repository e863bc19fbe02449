"""The text charts: bar heights follow the values, hand-checked."""

from game.tui.widgets.charts import block_plot, spark


def test_sparkline_runs_from_the_lowest_to_the_highest_bar():
    assert spark([1, 2, 3]) == "▁▄█"
    assert spark([5, 5]) == "▄▄"
    assert spark([0, 0, 0]) == ""  # nothing happened yet: no trend drawn
    # the last four, 16..19: heights 0, 1/3, 2/3, 1 of the eight bars → bars 0, 2, 5, 7
    assert spark(range(20), width=4) == "▁▃▆█"


def test_block_plot_is_as_tall_as_asked_and_the_highest_column_reaches_the_top():
    text = block_plot([1.0, 2.0, 4.0], width=30, height=4).plain.splitlines()
    rows = text[:4]
    assert rows[0].split("│")[0].strip() == "4.00"  # the top label is the maximum
    # the last quarter's columns are full height in every row; the first's are not in the top row
    assert all(r.split("│")[1][-1] == "█" for r in rows)
    assert rows[0].split("│")[1][0] == " "


# ---- the line chart: every company on one scale ------------------------------------------------
from game.tui.widgets.charts import line_chart  # noqa: E402


def _rows(text, height):
    return [line.split("│", 1)[1] for line in text.plain.splitlines()[:height]]


def test_a_stock_is_drawn_from_zero_so_a_small_rise_is_not_a_doubling():
    text = line_chart({"capacity": [562_000, 565_000]}, width=40, height=4)
    lines = text.plain.splitlines()
    assert lines[0].split("│")[0].strip() == "565k" and lines[3].split("│")[0].strip() == "0"
    rows = _rows(text, 4)
    # both points sit in the top row (562k is 99.5% of the axis): nothing is drawn below it
    assert rows[0].strip() and not any(r.strip() for r in rows[1:])


def test_a_level_may_leave_zero_out_when_asked():
    text = line_chart({"index": [1.0, 2.0]}, width=40, height=4, from_zero=False)
    assert text.plain.splitlines()[3].split("│")[0].strip() == "1.00"


def test_a_single_point_is_drawn_as_one_dot_not_a_block():
    rows = _rows(line_chart({"one": [5.0]}, width=40, height=4), 4)
    drawn = [ch for r in rows for ch in r if ch != " "]
    assert len(drawn) == 1 and drawn[0] == chr(0x2800 + 0x01)  # the top-left dot of its cell


def test_every_series_shares_one_scale_and_is_named_in_the_legend():
    text = line_chart({"Aurora": [10.0, 10.0], "Nebula": [5.0, 5.0]}, width=40, height=4)
    rows = _rows(text, 4)
    # Aurora (10, the top of the axis) in the top row; Nebula (5, half of it) in row 2 of 4
    # (pixel row 8 of 0..15 from the bottom lands in the second cell row from the top)
    assert rows[0].strip() and rows[1].strip() and not rows[2].strip() and not rows[3].strip()
    legend = text.plain.splitlines()[-1]
    assert "● Aurora" in legend and "● Nebula" in legend


def test_no_data_says_so():
    assert line_chart({"x": []}, 40, 4).plain == "(no data yet)"
    assert line_chart({"x": [None, None]}, 40, 4).plain == "(no data yet)"
