"""Perspective's v1alpha1 request shapes, field for field (camelCase, as Google's JSON has them).

Unknown fields are rejected, as Google's JSON parser rejects them ("Unknown name").
"""

from __future__ import annotations

from marshmallow import fields, validate

from moderation.web.schemas import StrictSchema

SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW")
TEXT_TYPES = ("TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML")


class TextEntrySchema(StrictSchema):
    text = fields.String(allow_none=True)
    type = fields.String(validate=validate.OneOf(TEXT_TYPES), allow_none=True)


class AttributeParametersSchema(StrictSchema):
    scoreType = fields.String(validate=validate.OneOf(SCORE_TYPES), allow_none=True)
    scoreThreshold = fields.Float(allow_none=True, allow_nan=False)


class ArticleAndParentCommentSchema(StrictSchema):
    article = fields.Nested(TextEntrySchema, allow_none=True)
    parentComment = fields.Nested(TextEntrySchema, allow_none=True)


class ContextSchema(StrictSchema):
    articleAndParentComment = fields.Nested(ArticleAndParentCommentSchema, allow_none=True)
    entries = fields.List(fields.Nested(TextEntrySchema), allow_none=True)


class ScoreSchema(StrictSchema):
    value = fields.Float(allow_none=True, allow_nan=False)
    type = fields.String(validate=validate.OneOf(SCORE_TYPES), allow_none=True)


class SpanScoreSchema(StrictSchema):
    begin = fields.Integer(allow_none=True)
    end = fields.Integer(allow_none=True)
    score = fields.Nested(ScoreSchema, allow_none=True)


class AttributeScoresSchema(StrictSchema):
    summaryScore = fields.Nested(ScoreSchema, allow_none=True)
    spanScores = fields.List(fields.Nested(SpanScoreSchema), allow_none=True)


class AnalyzeCommentRequestSchema(StrictSchema):
    comment = fields.Nested(TextEntrySchema, allow_none=True)
    context = fields.Nested(ContextSchema, allow_none=True)
    requestedAttributes = fields.Dict(
        keys=fields.String(), values=fields.Nested(AttributeParametersSchema), allow_none=True
    )
    languages = fields.List(fields.String(), allow_none=True)
    doNotStore = fields.Boolean(allow_none=True)
    clientToken = fields.String(allow_none=True)
    sessionId = fields.String(allow_none=True)
    communityId = fields.String(allow_none=True)
    spanAnnotations = fields.Boolean(allow_none=True)
    dropUnsupportedAttributes = fields.Boolean(allow_none=True)


class SuggestCommentScoreRequestSchema(StrictSchema):
    comment = fields.Nested(TextEntrySchema, allow_none=True)
    context = fields.Nested(ContextSchema, allow_none=True)
    attributeScores = fields.Dict(
        keys=fields.String(), values=fields.Nested(AttributeScoresSchema), allow_none=True
    )
    languages = fields.List(fields.String(), allow_none=True)
    clientToken = fields.String(allow_none=True)
    sessionId = fields.String(allow_none=True)
    communityId = fields.String(allow_none=True)
