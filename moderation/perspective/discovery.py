"""The Google API discovery document for our Perspective-compatible API (commentanalyzer v1alpha1).

Google's client libraries build their `comments().analyze(...)` methods from this document, so
Perspective's own samples work against our URL given
`discoveryServiceUrl=<base>/$discovery/rest?version=v1alpha1`. It describes the same resources
and schemas as Perspective's published document, with our root URL.
"""

from __future__ import annotations

from typing import Any

from moderation.perspective.schemas import SCORE_TYPES, TEXT_TYPES


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": name}


def _string(description: str = "") -> dict[str, Any]:
    return {"type": "string", "description": description}


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _object(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "type": "object", "description": description, "properties": properties}


def _map_of(name: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": _ref(name)}


_SCORE_TYPE = {"type": "string", "enum": list(SCORE_TYPES)}

SCHEMAS: dict[str, Any] = {
    "TextEntry": _object(
        "TextEntry",
        "Represents a body of text.",
        {
            "text": _string("UTF-8 encoded text."),
            "type": {"type": "string", "enum": list(TEXT_TYPES)},
        },
    ),
    "ArticleAndParentComment": _object(
        "ArticleAndParentComment",
        "A type of context specific to a comment left on a single-threaded comment message board.",
        {"article": _ref("TextEntry"), "parentComment": _ref("TextEntry")},
    ),
    "Context": _object(
        "Context",
        "Context is typically something that a Comment is referencing or replying to.",
        {
            "articleAndParentComment": _ref("ArticleAndParentComment"),
            "entries": {"type": "array", "items": _ref("TextEntry")},
        },
    ),
    "AttributeParameters": _object(
        "AttributeParameters",
        "Configurable parameters for attribute scoring.",
        {"scoreThreshold": {"type": "number", "format": "float"}, "scoreType": _SCORE_TYPE},
    ),
    "Score": _object(
        "Score",
        "Analysis scores are described by a value and a ScoreType.",
        {"type": _SCORE_TYPE, "value": {"type": "number", "format": "float"}},
    ),
    "SpanScore": _object(
        "SpanScore",
        "This is a single score for a given span of text.",
        {
            "begin": {"type": "integer", "format": "int32"},
            "end": {"type": "integer", "format": "int32"},
            "score": _ref("Score"),
        },
    ),
    "AttributeScores": _object(
        "AttributeScores",
        "This holds score values for a single attribute.",
        {
            "spanScores": {"type": "array", "items": _ref("SpanScore")},
            "summaryScore": _ref("Score"),
        },
    ),
    "AnalyzeCommentRequest": _object(
        "AnalyzeCommentRequest",
        "The comment analysis request message.",
        {
            "clientToken": _string(),
            "comment": _ref("TextEntry"),
            "communityId": _string(),
            "context": _ref("Context"),
            "doNotStore": {"type": "boolean"},
            "dropUnsupportedAttributes": {"type": "boolean"},
            "languages": _strings(),
            "requestedAttributes": _map_of("AttributeParameters"),
            "sessionId": _string(),
            "spanAnnotations": {"type": "boolean"},
        },
    ),
    "AnalyzeCommentResponse": _object(
        "AnalyzeCommentResponse",
        "The comment analysis response message.",
        {
            "attributeScores": _map_of("AttributeScores"),
            "clientToken": _string(),
            "detectedLanguages": _strings(),
            "languages": _strings(),
        },
    ),
    "SuggestCommentScoreRequest": _object(
        "SuggestCommentScoreRequest",
        "The comment score suggestion request message.",
        {
            "attributeScores": _map_of("AttributeScores"),
            "clientToken": _string(),
            "comment": _ref("TextEntry"),
            "communityId": _string(),
            "context": _ref("Context"),
            "languages": _strings(),
            "sessionId": _string(),
        },
    ),
    "SuggestCommentScoreResponse": _object(
        "SuggestCommentScoreResponse",
        "The comment score suggestion response message.",
        {
            "clientToken": _string(),
            "detectedLanguages": _strings(),
            "requestedLanguages": _strings(),
        },
    ),
}

_QUERY_PARAMETERS: dict[str, Any] = {
    "key": {"type": "string", "location": "query", "description": "API key."},
    "alt": {
        "type": "string",
        "location": "query",
        "default": "json",
        "enum": ["json", "media", "proto"],
    },
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
    "fields": {"type": "string", "location": "query"},
    "quotaUser": {"type": "string", "location": "query"},
    "access_token": {"type": "string", "location": "query"},
    "oauth_token": {"type": "string", "location": "query"},
    "callback": {"type": "string", "location": "query"},
    "upload_protocol": {"type": "string", "location": "query"},
    "uploadType": {"type": "string", "location": "query"},
    "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"]},
}


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    path = f"v1alpha1/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": _ref(request),
        "response": _ref(response),
    }


def discovery_document(root_url: str) -> dict[str, Any]:
    """The REST description, with `root_url` ("https://host/") as where the API is served."""
    root = root_url if root_url.endswith("/") else root_url + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "version": "v1alpha1",
        "revision": "1",
        "title": "Perspective Comment Analyzer API (compatible, served by the moderation service)",
        "description": "Scores comments with the moderation service's own toxicity model, "
        "answering Perspective API's v1alpha1 protocol.",
        "ownerDomain": "moderation.local",
        "ownerName": "moderation",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "batchPath": "batch",
        "mtlsRootUrl": root,
        "parameters": _QUERY_PARAMETERS,
        "schemas": SCHEMAS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                        "Analyzes the provided text and returns scores for requested attributes.",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                        "Suggest comment scores as training data.",
                    ),
                }
            }
        },
    }
