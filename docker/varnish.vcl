# Varnish 7.1 in front of the moderation service: caches the published thread, purges by
# surrogate key. docs/operations.md ("CDN") explains it; tests/integration/test_cdn_purge.py
# runs it against a real varnishd. Set the backend to your web tier (compose: the nginx in
# docker/nginx.conf, or the web replicas), and the purgers ACL to where the webhook workers run.
vcl 4.1;

backend moderation {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the webhook workers that send `reads.purge_url`.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # reads.purge_url = "http://<varnish>/.surrogate/{key}", reads.purge_method = "PURGE"
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not a purger"));
        }
        if (req.url !~ "^/\.surrogate/[a-z0-9-]+$") {
            return (synth(400, "Purge /.surrogate/<surrogate key>"));
        }
        set req.http.X-Purge-Key = regsub(req.url, "^/\.surrogate/", "");
        # Every cached page whose Surrogate-Key header holds the key, as a whole word.
        ban("obj.http.Surrogate-Key ~ (^|\s)" + req.http.X-Purge-Key + "(\s|$)");
        return (synth(200, "Purged " + req.http.X-Purge-Key));
    }
    # Only the public thread is cached; everything else goes to the service as it came.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url !~ "^/v1/(sites/[a-z0-9-]+/)?articles/[^/?]+/comments(\?|$)") {
        return (pass);
    }
    # The thread's body depends on its path and query only (its Vary is Origin, for CORS): a
    # commenter session or a cookie sent along must not make Varnish pass it by.
    unset req.http.Authorization;
    unset req.http.Cookie;
    return (hash);
}

sub vcl_deliver {
    # Surrogate keys are for this cache, not for browsers.
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
