"""The Descent kernel against jupyter_kernel_test's conformance suite.

Every attribute of jupyter_kernel_test.KernelTests is set, so no test is
skipped. Run through ./run, which installs the kernelspec into a temporary
prefix and points JUPYTER_PATH at it.
"""

import os
import unittest

import jupyter_kernel_test


class DescentKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("DESCENT_KERNEL_NAME", "descent")

    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'

    code_stderr = 'fmt.Fprintln(os.Stderr, "something went wrong")'

    completion_samples = [
        {"text": "fmt.Printl", "matches": {"Println"}},
        {"text": "strings.HasPre", "matches": {"HasPrefix"}},
    ]

    complete_code_samples = [
        "x := 1",
        'fmt.Println("hi")',
        "func double(n int) int { return 2 * n }",
        "for i := 0; i < 3; i++ {\n\tfmt.Println(i)\n}",
    ]
    incomplete_code_samples = [
        "func double(n int) int {",
        "for i := 0; i < 3; i++ {",
        "xs := []int{1, 2,",
    ]
    invalid_code_samples = [
        "x := )",
        'fmt.Println("a"))',
        "}",
    ]

    code_page_something = "?fmt.Println"

    code_generate_error = "undefinedName + 1"

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": '"gopher"', "result": '"gopher"'},
        {"code": 'display.HTMLString("<b>bold</b>")', "mime": "text/html", "result": "<b>bold</b>"},
    ]

    code_display_data = [
        {"code": 'display.HTML("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.Markdown("# Descent")', "mime": "text/markdown"},
        {"code": 'display.SVG(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`)', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "fmt.Println"

    code_clear_output = "display.Clear(false)"


if __name__ == "__main__":
    unittest.main(verbosity=2)
