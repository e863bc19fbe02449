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
