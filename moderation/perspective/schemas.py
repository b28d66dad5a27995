"""Perspective's v1alpha1 request shapes, field for field (camelCase, as Google's JSON has them).

Unknown fields are rejected, as Google's JSON parser rejects them ("Unknown name").
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW")
TEXT_TYPES = ("TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TextEntrySchema(_Strict):
    text = fields.String(allow_none=True)
    type = fields.String(validate=validate.OneOf(TEXT_TYPES), allow_none=True)


class AttributeParametersSchema(_Strict):
    scoreType = fields.String(validate=validate.OneOf(SCORE_TYPES), allow_none=True)
    scoreThreshold = fields.Float(allow_none=True, allow_nan=False)


class ArticleAndParentCommentSchema(_Strict):
    article = fields.Nested(TextEntrySchema, allow_none=True)
    parentComment = fields.Nested(TextEntrySchema, allow_none=True)


class ContextSchema(_Strict):
    articleAndParentComment = fields.Nested(ArticleAndParentCommentSchema, allow_none=True)
    entries = fields.List(fields.Nested(TextEntrySchema), allow_none=True)


class ScoreSchema(_Strict):
    value = fields.Float(allow_none=True, allow_nan=False)
    type = fields.String(validate=validate.OneOf(SCORE_TYPES), allow_none=True)


class SpanScoreSchema(_Strict):
    begin = fields.Integer(allow_none=True)
    end = fields.Integer(allow_none=True)
    score = fields.Nested(ScoreSchema, allow_none=True)


class AttributeScoresSchema(_Strict):
    summaryScore = fields.Nested(ScoreSchema, allow_none=True)
    spanScores = fields.List(fields.Nested(SpanScoreSchema), allow_none=True)


class AnalyzeCommentRequestSchema(_Strict):
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


class SuggestCommentScoreRequestSchema(_Strict):
    comment = fields.Nested(TextEntrySchema, allow_none=True)
    context = fields.Nested(ContextSchema, allow_none=True)
    attributeScores = fields.Dict(
        keys=fields.String(), values=fields.Nested(AttributeScoresSchema), allow_none=True
    )
    languages = fields.List(fields.String(), allow_none=True)
    clientToken = fields.String(allow_none=True)
    sessionId = fields.String(allow_none=True)
    communityId = fields.String(allow_none=True)
