from ideas_portal.services.markdown import render


def test_markdown_formats_emphasis_and_lists():
    html = render("**bold** and *it*\n\n- one\n- two")
    assert "<strong>bold</strong>" in html and "<li>one</li>" in html


def test_script_tags_are_never_rendered():
    html = render("hi <script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_javascript_links_are_dropped_and_links_get_nofollow():
    html = render("[x](javascript:alert(1)) [y](https://example.com)")
    assert 'href="javascript:' not in html
    assert 'href="https://example.com"' in html and "nofollow" in html


def test_headings_are_demoted_below_the_page_title():
    assert "<h1>" not in render("# Big") and "<h3>Big</h3>" in render("# Big")
