"""web/openapi.py on a blueprint of its own: what a feature added tomorrow gets in the document
(operationIds, error answers, security) from its routes and guards alone, documenting none."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from moderation.web import limits, openapi
from moderation.web.auth import require_role
from moderation.web.limits import hit


class ThingIn(Schema):
    name = fields.String(required=True)
    kind = fields.String(allow_none=True, metadata={"enum": ["a", "b", None]})
    colour = fields.String(allow_none=True)


def built_api(*blueprints: Blueprint) -> Api:
    app = Flask(__name__)
    app.config.update(API_TITLE="things", API_VERSION="1", OPENAPI_VERSION="3.1.0")
    api = Api()
    api.init_app(app, spec_kwargs={"extra_plugins": [openapi.ContractPlugin(app)]})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return api


def document(*blueprints: Blueprint) -> dict[str, Any]:
    built: dict[str, Any] = built_api(*blueprints).spec.to_dict()
    return built


def things() -> Blueprint:
    blp = Blueprint("things", __name__, url_prefix="/v1/things")

    @blp.route("/<int:thing_id>", methods=["PATCH"])
    @require_role("admin")
    @blp.arguments(ThingIn)
    @blp.response(200)
    def update(body: dict[str, Any], thing_id: int) -> Any:
        return {}

    @blp.route("", methods=["GET"])
    @require_role("moderator", on_site=True)
    @blp.response(200)
    def list_things() -> Any:
        return []

    @blp.route("/public", methods=["POST"])
    @blp.arguments(ThingIn)
    @blp.response(201)
    @blp.alt_response(409, description="That name is taken")
    def create(body: dict[str, Any]) -> Any:
        limits.hit("comments", body["name"])
        return {}

    @blp.route("/public/<name>", methods=["GET"])
    @blp.response(200)
    def read(name: str) -> Any:
        hit("status")
        return {}

    @blp.route("/items")
    class Items(MethodView):
        @blp.response(200)
        def get(self) -> Any:
            return []

        @require_role("admin")
        @blp.arguments(ThingIn)
        @blp.response(201)
        def post(self, body: dict[str, Any]) -> Any:
            return {}

    return blp


def operation(built: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = built["paths"][path][method]
    return found


def test_a_new_blueprint_gets_ids_errors_and_security_from_its_routes_and_guards() -> None:
    built = document(things())

    update = operation(built, "/v1/things/{thing_id}", "patch")
    assert update["operationId"] == "things_update"
    assert update["security"] == [{"adminToken": []}]
    assert {"400", "401", "403", "404", "413", "415", "422", "429"} <= set(update["responses"])

    listing = operation(built, "/v1/things", "get")
    assert listing["operationId"] == "things_list_things"
    assert listing["security"] == [{"moderatorToken": []}, {"adminToken": []}]
    assert {"401", "403", "422"} <= set(listing["responses"])
    assert not {"400", "404", "413", "415"} & set(listing["responses"])

    create = operation(built, "/v1/things/public", "post")
    assert "security" not in create
    assert {"409", "429", "422", "415"} <= set(create["responses"])
    assert "401" not in create["responses"]
    conflict = create["responses"]["409"]
    assert conflict["description"] == "That name is taken"
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }

    read = operation(built, "/v1/things/public/{name}", "get")
    assert "429" in read["responses"] and "404" not in read["responses"]

    items = built["paths"]["/v1/things/items"]
    assert items["get"]["operationId"] == "things_Items_get"
    assert "security" not in items["get"] and "401" not in items["get"]["responses"]
    assert items["post"]["operationId"] == "things_Items_post"
    assert items["post"]["security"] == [{"adminToken": []}]
    assert set(built["components"]["securitySchemes"]) == set(openapi.SECURITY_SCHEMES)


def test_a_nullable_choice_is_any_of_the_choice_or_null() -> None:
    schema = document(things())["components"]["schemas"]["ThingIn"]["properties"]
    assert schema["kind"]["anyOf"] == [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]
    assert schema["colour"]["type"] == ["string", "null"]


def test_two_operations_may_not_share_an_operation_id() -> None:
    blp = Blueprint("twice", __name__, url_prefix="/v1/twice")

    @blp.route("/one")
    @blp.doc(operationId="same")
    def one() -> Any:
        return {}

    @blp.route("/two")
    @blp.doc(operationId="same")
    def two() -> Any:
        return {}

    with pytest.raises(ValueError, match="operationId 'same' of GET /v1/twice/two"):
        document(blp)


class Part(Schema):
    size = fields.Integer()
    note = fields.String(allow_none=True)


class ThingOut(Schema):
    id = fields.Integer()
    name = fields.String()
    parts = fields.List(fields.Nested(Part))


class Failure(Schema):
    code = fields.Integer(required=True)
    detail = fields.String()


def test_what_only_answers_has_every_field_required_and_requests_keep_theirs() -> None:
    blp = Blueprint("answers", __name__, url_prefix="/v1/answers")

    @blp.route("", methods=["POST"])
    @blp.arguments(ThingIn)
    @blp.response(201, ThingOut)
    @blp.alt_response(409, schema=Failure)
    def create(body: dict[str, Any]) -> Any:
        return {}

    api = built_api(blp)
    openapi.require_answered_fields(api.spec)
    schemas = api.spec.to_dict()["components"]["schemas"]
    # Answers: every field, nested ones too (a nullable field is present, as null).
    assert schemas["ThingOut"]["required"] == ["id", "name", "parts"]
    assert schemas["Part"]["required"] == ["note", "size"]
    # A request keeps what a client must send; a schema that says what it requires keeps it.
    assert schemas["ThingIn"]["required"] == ["name"]
    assert schemas["Failure"]["required"] == ["code"]
