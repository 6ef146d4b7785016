import pytest

from ideas_portal import create_app
from ideas_portal.redirects import safe_next


@pytest.fixture(scope="module")
def ctx():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "evil.example",
        "\t//evil.example",
        "/%0d%0aLocation:x\r\n",
    ],
)
def test_next_never_leaves_the_site(ctx, target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/ideas/3", "/ideas?sort=top&status=new", "/"])
def test_next_keeps_local_paths(ctx, target):
    assert safe_next(target) == target
