import xml.etree.ElementTree as ET

from tab.charts import bars

SVG = "{http://www.w3.org/2000/svg}"


def test_a_chart_is_valid_svg_with_a_title_and_a_description_a_screen_reader_reads():
    svg = ET.fromstring(bars("Held within the deadline", [("same day", 50.0, "50 % (1 of 2)"), ("3 working days", 100.0, "100 %")],
                             maximum=100))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Held within the deadline"
    assert svg.find(f"{SVG}desc").text == "same day: 50 % (1 of 2); 3 working days: 100 %"
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0]  # 100 % is twice as long as 50 %


def test_no_data_is_said_not_drawn_as_zero_and_labels_are_escaped():
    svg = bars("Quorate", [("<script>", None, "no data")])
    tree = ET.fromstring(svg)
    assert not list(tree.iter(f"{SVG}rect")) and "no data" in svg and "<script>" not in svg


def test_the_longest_bar_leaves_room_for_its_words_inside_the_chart():
    """A trial: "100.0 % (1 of 1)" and "168.5 h (90 %: 470.5 h)" were cut off at the chart's right edge."""
    longest = [("a", 100.0, "100.0 % (1,234 of 1,234)"), ("b", 168.5, "168.5 h (90 %: 470.5 h)")]
    tree = ET.fromstring(bars("Widest", longest, maximum=None))
    width = float(tree.get("viewBox").split()[2])
    for label in [t for t in tree.iter(f"{SVG}text") if t.text not in ("a", "b")]:
        assert float(label.get("x")) + 7.5 * len(label.text) <= width, label.text  # 13 px type: under 7.5 px a character
