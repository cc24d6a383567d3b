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
