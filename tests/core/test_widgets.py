"""Widgets for long option lists: one list shared by every request of a process, whatever their threads."""

import threading
import time

from reparo.core import widgets


def test_a_list_rendered_by_two_threads_at_once_has_its_options_in_both(monkeypatch):
    ready = widgets.shared_choices(tuple((i, f"Person {i}") for i in range(300)))
    real = widgets.html_join

    def slow_join(parts):  # the first thread is still joining the options when the second asks
        joined = real(parts)
        if parts:
            time.sleep(0.05)
        return joined

    monkeypatch.setattr(widgets, "html_join", slow_join)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("a", widgets.ReadyChoices.options_html(ready, set())))
    first.start()
    time.sleep(0.01)
    results["b"] = ready.options_html(set())
    first.join()
    assert "Person 299" in results["a"] and "Person 299" in results["b"]
    assert results["a"] == results["b"]
    chosen = ready.options_html({"7"})
    assert '<option value="7" selected>Person 7</option>' in chosen and chosen.count("selected") == 1
