from ..forms import Form
from wtforms import StringField, URLField
from wtforms.validators import DataRequired, ValidationError

from ..services import webhooks
from ..services.exceptions import InvalidInput


def _service_rule(check):
    """The service's own rule, so the form and the service never disagree about what is valid."""

    def validate(form, field):
        try:
            check(field.data)
        except InvalidInput as exc:
            raise ValidationError(exc.message) from None

    return validate


class WebhookForm(Form):
    url = URLField(
        "Payload URL",
        validators=[
            DataRequired("Enter the URL that should receive the events."),
            _service_rule(webhooks.validate_url),
        ],
        render_kw={
            "maxlength": webhooks.URL_MAX,
            "placeholder": "https://example.com/hooks/ideas",
            "spellcheck": "false",
        },
        description="We POST a JSON body here for every status change.",
    )
    secret = StringField(
        "Secret (optional)",
        validators=[_service_rule(webhooks.validate_secret)],
        render_kw={"maxlength": webhooks.SECRET_MAX, "spellcheck": "false"},
        description=f"{webhooks.SECRET_MIN}–{webhooks.SECRET_MAX} characters. Leave empty and we "
        "generate a strong one. It is shown once, right after you add the webhook.",
    )
