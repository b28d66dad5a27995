/*
 * Comment widget of the moderation service. A newsroom embeds it with one tag:
 *
 *   <script src="https://moderation.example/widget.js" data-article-id="..." async></script>
 *
 * Optional attributes: data-target (id of the element to render into; default: right after
 * the script), data-api-base (default: where the script came from), data-page-size (1-100),
 * data-locale (en, fr, de or es; default: the page's lang, else English), data-site (the site's
 * id, for a service with several sites; default: the service's default site), data-token (the
 * signed-in reader's SSO token, when the site takes commenter tokens: docs/sites.md),
 * data-refresh-ms (how often to look for new comments while the page is visible; default
 * 15000, slower while nothing changes).
 *
 * Reads like a good CDN citizen: the first page is loaded once; afterwards the widget asks
 * only for what was published since the newest comment it has (`?since=`, the same URL for
 * every reader who is up to date, so a CDN answers it), sends back the ETag of each page it
 * has (If-None-Match: a 304 keeps what it shows), and backs off while nothing changes.
 *
 * Signed-in readers: the widget exchanges the page's SSO token once for a session of the
 * service (POST .../commenter-sessions) and sends the session with each comment and report, so
 * the reader's id and name are the site's own. A token is used once; give the widget a way to
 * get a new one when the session ends, or sign a reader in after the page loaded:
 *
 *   ModerationComments.mount(element, { articleId: "...", site: "daily", token: sso,
 *     getToken: function () { return fetch("/sso-token").then(function (r) { return r.text(); }); } });
 *   ModerationComments.setToken(newSsoToken);   // every widget on the page (or pass an element)
 *
 * Single-page sites load the script once, without data-article-id, and mount and destroy the
 * widget themselves as their pages come and go:
 *
 *   var comments = ModerationComments.mount(element, { articleId: "...", locale: "fr" });
 *   comments.destroy();   // or ModerationComments.destroy(element)
 *
 * `moderation-comments:ready` is dispatched on window once ModerationComments exists.
 *
 * Hand-written and dependency-free; there is no build step. Everything that comes from the
 * server or from a reader is inserted with textContent, never as HTML. The widget lives in a
 * shadow root, so the page's styles and the widget's do not touch each other; the page can set
 * --mw-accent, --mw-text, --mw-muted, --mw-font on the widget's host to match its look.
 */
(function () {
  "use strict";

  var current = document.currentScript;
  // Loaded twice (two tags, or a site that injects it again): the first copy serves both.
  if (window.ModerationComments && typeof window.ModerationComments.mount === "function") {
    window.ModerationComments.scan();
    return;
  }

  var LIMITS = {"maxLength": 5000, "maxNameLength": 100};
  // The reasons POST /v1/comments/<id>/reports accepts (review/reports.py REPORT_REASONS;
  // tests/unit/test_widget_strings.py keeps the two lists equal).
  var REPORT_REASONS = ["abusive", "spam", "off_topic", "personal_data", "illegal", "other"];
  var DEFAULT_PAGE_SIZE = 20;
  var POLL_FIRST_MS = 1000;
  var POLL_FACTOR = 1.6;
  var POLL_MAX_MS = 30000;
  var POLL_GIVE_UP_MS = 30 * 60 * 1000;
  var KEEP_OWN_MS = 7 * 24 * 3600 * 1000;
  // Looking for new comments: every REFRESH_MS while the page is visible, REFRESH_FACTOR
  // slower each time nothing changed, at most REFRESH_MAX_STEPS times the interval apart.
  var REFRESH_MS = 15000;
  var REFRESH_FACTOR = 1.5;
  var REFRESH_MAX_STEPS = 8;
  // Pages (and their ETags) kept per widget for If-None-Match.
  var PAGES_KEPT = 16;
  var KEEP_REPORTED = 500;
  var STORE = "moderation-widget:";
  var SCRIPT_BASE = current && current.src ? new URL(".", current.src).href : null;

  // Every word the widget shows, per language: JSON, so tests/unit/test_widget_strings.py can
  // check that each language has every key. {name}-style fields are filled in as text.
  // The reader's own comment is explained by "status:reason_code", else "status:*".
  // STRINGS begin
  var STRINGS = {
    "en": {
      "title": "Comments",
      "count": {
        "one": "{n} comment",
        "other": "{n} comments"
      },
      "orderGroup": "Order of comments",
      "oldest": "Oldest first",
      "newest": "Newest first",
      "showingOldest": "Showing oldest comments first.",
      "showingNewest": "Showing newest comments first.",
      "ownList": "Your recent comments",
      "list": "Comments",
      "replies": "Replies",
      "removed": "This comment is no longer available.",
      "loading": "Loading comments…",
      "loadMore": "Load more comments",
      "moreLoaded": "More comments loaded.",
      "noMore": "No more comments.",
      "empty": "No comments yet. Start the conversation.",
      "loadFailed": "Comments could not be loaded.",
      "tryAgain": "Try again",
      "anonymous": "Anonymous",
      "you": "You",
      "commentBy": "Comment by {name}",
      "reply": "Reply",
      "replyTo": "Reply to {name}",
      "join": "Join the conversation",
      "yourName": "Your name",
      "postingAs": "Posting as {name}",
      "signInNeeded": "Please sign in to take part.",
      "yourComment": "Your comment",
      "yourReply": "Your reply",
      "hint": "Comments are checked before they appear.",
      "counter": "{used} / {max} characters",
      "tooMany": " ({over} too many)",
      "postComment": "Post comment",
      "postReply": "Post reply",
      "posting": "Posting…",
      "cancel": "Cancel",
      "edit": "Edit",
      "editComment": "Edit your comment",
      "save": "Save",
      "saving": "Saving…",
      "edited": "edited",
      "editSent": "Your edit was sent. It is checked before it appears.",
      "editClosed": "The time to edit this comment is over.",
      "notEdited": "Your edit could not be saved: {message}",
      "needName": "Please enter your name.",
      "nameTooLong": "Please shorten your name to {max} characters.",
      "needText": "Please write a comment first.",
      "textTooLong": "Your comment is {n} characters long; the limit is {max}. Please shorten it.",
      "unreachable": "We could not reach the comment service. Your text is still here; please try again.",
      "tooLarge": "Your comment is too long to send.",
      "tooFast": "You are posting very quickly. Please wait a moment and try again.",
      "serverError": "Something went wrong on our side. Your text is still here; please try again.",
      "notPosted": "Your comment could not be posted: {message}",
      "sent": "Your comment was sent. {status}.",
      "publishedNow": "Your comment is published.",
      "heldNow": "Your comment is held for review. {explain}",
      "status": {
        "pending": "Awaiting moderation",
        "approved": "Published",
        "held": "Held for review",
        "rejected": "Not published"
      },
      "report": "Report",
      "reportComment": "Report the comment by {name}",
      "reported": "Reported",
      "reportTitle": "Why are you reporting this comment?",
      "reasons": {
        "abusive": "Abusive or hateful",
        "spam": "Spam or advertising",
        "off_topic": "Off topic",
        "personal_data": "Shares someone's personal details",
        "illegal": "Illegal content",
        "other": "Something else"
      },
      "reportNote": "Anything a moderator should know? (optional)",
      "sendReport": "Send report",
      "sending": "Sending…",
      "needReason": "Please choose a reason.",
      "reportThanks": "Thank you. A moderator will look at this comment.",
      "reportAgain": "You have already reported this comment.",
      "reportGone": "This comment is no longer published.",
      "reportTooFast": "Too many reports from your connection. Please try again in a minute.",
      "reportFailed": "Your report could not be sent: {message}",
      "reportUnreachable": "We could not reach the comment service. Please try again.",
      "nudgeTitle": "Before you post",
      "postAnyway": "Post anyway",
      "nudgeChoice": "You can change your comment, or post it as it is.",
      "nudgeHeld": "If you post it now, a moderator will read it before it appears.",
      "nudgeRejected": "If you post it now, it will most likely not be published.",
      "nudge": {
        "toxic_language": "Some of the wording may come across as hurtful to others.",
        "offensive_language": "Some words go against our community guidelines.",
        "awaiting_review": "Some of the wording means a moderator would read it first.",
        "links": "Comments with links are read by a moderator before they appear.",
        "spam": "A link in it points to a site we do not allow.",
        "shouting": "It is written mostly in capitals, which reads as shouting.",
        "noise": "It repeats some characters or words many times.",
        "length": "It is very short or very long.",
        "personal_data": "It seems to include an e-mail address or a phone number.",
        "*": "Some of it may keep it from being published."
      },
      "explain": {
        "pending:*": "Thanks! Every comment is checked before it appears. This usually takes a few seconds.",
        "held:awaiting_review": "A moderator will read your comment before it appears. Only you can see it until then.",
        "held:links": "Comments with links are read by a moderator before they appear, to keep spam out. Only you can see it until then.",
        "held:toxic_language": "Some of the wording may come across as hurtful, so a moderator will read your comment before it appears. Only you can see it until then.",
        "held:offensive_language": "Some of the wording may go against our community guidelines, so a moderator will read your comment before it appears. Only you can see it until then.",
        "held:premoderation": "Comments here are read by a moderator before they appear. Only you can see it until then.",
        "held:article_surge": "The discussion here is very busy, so for a while a moderator reads every comment before it appears. Only you can see it until then.",
        "held:personal_data": "Your comment seems to include an e-mail address or a phone number, so a moderator will read it before it appears. Only you can see it until then.",
        "held:duplicate": "This looks like a comment you posted a moment ago, so a moderator will read it before it appears.",
        "held:too_fast": "You are posting very quickly, so a moderator will read this comment before it appears. Please take a breath between comments.",
        "held:shouting": "Comments written mostly in capitals are read by a moderator before they appear. Only you can see it until then.",
        "held:noise": "Your comment repeats some characters or words many times, so a moderator will read it before it appears.",
        "held:length": "A moderator will read your comment before it appears, because of its length. Only you can see it until then.",
        "held:*": "A moderator will read your comment before it appears. Only you can see it until then.",
        "rejected:offensive_language": "Your comment was not published because it uses language our community guidelines do not allow. You are welcome to rephrase it and post again.",
        "rejected:toxic_language": "Your comment was not published because it may come across as hurtful to others. You are welcome to make your point in other words.",
        "rejected:links": "Your comment was not published because of the links in it. You are welcome to post it again without them.",
        "rejected:abusive": "A moderator did not publish your comment because it reads as a personal attack. Disagreement is welcome; please keep it civil.",
        "rejected:spam": "A moderator did not publish your comment because it looks like advertising or spam.",
        "rejected:off_topic": "A moderator did not publish your comment because it is not about this article.",
        "rejected:personal_data": "A moderator did not publish your comment because it shares someone's personal details.",
        "rejected:illegal": "A moderator did not publish your comment because it may break the law.",
        "rejected:comments_closed": "Comments on this article are closed, so your comment was not published.",
        "rejected:author_banned": "Your comment was not published: this account can no longer post comments here.",
        "rejected:*": "Your comment was not published because it does not meet our community guidelines. You are welcome to try again."
      }
    },
    "fr": {
      "title": "Commentaires",
      "count": {
        "one": "{n} commentaire",
        "other": "{n} commentaires"
      },
      "orderGroup": "Ordre des commentaires",
      "oldest": "Plus anciens d'abord",
      "newest": "Plus récents d'abord",
      "showingOldest": "Les commentaires les plus anciens s'affichent en premier.",
      "showingNewest": "Les commentaires les plus récents s'affichent en premier.",
      "ownList": "Vos commentaires récents",
      "list": "Commentaires",
      "replies": "Réponses",
      "removed": "Ce commentaire n’est plus disponible.",
      "loading": "Chargement des commentaires…",
      "loadMore": "Afficher plus de commentaires",
      "moreLoaded": "D'autres commentaires ont été chargés.",
      "noMore": "Il n'y a pas d'autres commentaires.",
      "empty": "Aucun commentaire pour l'instant. Lancez la conversation.",
      "loadFailed": "Les commentaires n'ont pas pu être chargés.",
      "tryAgain": "Réessayer",
      "anonymous": "Anonyme",
      "you": "Vous",
      "commentBy": "Commentaire de {name}",
      "reply": "Répondre",
      "replyTo": "Répondre à {name}",
      "join": "Participer à la conversation",
      "yourName": "Votre nom",
      "postingAs": "Vous publiez en tant que {name}",
      "signInNeeded": "Veuillez vous connecter pour participer.",
      "yourComment": "Votre commentaire",
      "yourReply": "Votre réponse",
      "hint": "Les commentaires sont vérifiés avant d'être publiés.",
      "counter": "{used} / {max} caractères",
      "tooMany": " ({over} de trop)",
      "postComment": "Publier le commentaire",
      "postReply": "Publier la réponse",
      "posting": "Envoi…",
      "cancel": "Annuler",
      "edit": "Modifier",
      "editComment": "Modifier votre commentaire",
      "save": "Enregistrer",
      "saving": "Enregistrement…",
      "edited": "modifié",
      "editSent": "Votre modification a été envoyée. Elle est vérifiée avant d'apparaître.",
      "editClosed": "Le délai pour modifier ce commentaire est passé.",
      "notEdited": "Votre modification n'a pas pu être enregistrée\u00a0: {message}",
      "needName": "Veuillez indiquer votre nom.",
      "nameTooLong": "Veuillez raccourcir votre nom à {max} caractères.",
      "needText": "Veuillez d'abord écrire un commentaire.",
      "textTooLong": "Votre commentaire compte {n} caractères\u00a0; la limite est de {max}. Veuillez le raccourcir.",
      "unreachable": "Le service de commentaires est injoignable. Votre texte est conservé\u00a0; veuillez réessayer.",
      "tooLarge": "Votre commentaire est trop long pour être envoyé.",
      "tooFast": "Vous publiez très vite. Veuillez patienter un instant avant de réessayer.",
      "serverError": "Une erreur s'est produite de notre côté. Votre texte est conservé\u00a0; veuillez réessayer.",
      "notPosted": "Votre commentaire n'a pas pu être publié\u00a0: {message}",
      "sent": "Votre commentaire a été envoyé. {status}.",
      "publishedNow": "Votre commentaire est publié.",
      "heldNow": "Votre commentaire est en attente de vérification. {explain}",
      "status": {
        "pending": "En attente de modération",
        "approved": "Publié",
        "held": "En attente de vérification",
        "rejected": "Non publié"
      },
      "report": "Signaler",
      "reportComment": "Signaler le commentaire de {name}",
      "reported": "Signalé",
      "reportTitle": "Pourquoi signalez-vous ce commentaire\u00a0?",
      "reasons": {
        "abusive": "Injurieux ou haineux",
        "spam": "Spam ou publicité",
        "off_topic": "Hors sujet",
        "personal_data": "Divulgue des informations personnelles",
        "illegal": "Contenu illégal",
        "other": "Autre raison"
      },
      "reportNote": "Une précision pour les modérateurs\u00a0? (facultatif)",
      "sendReport": "Envoyer le signalement",
      "sending": "Envoi…",
      "needReason": "Veuillez choisir une raison.",
      "reportThanks": "Merci. Un modérateur va examiner ce commentaire.",
      "reportAgain": "Vous avez déjà signalé ce commentaire.",
      "reportGone": "Ce commentaire n'est plus publié.",
      "reportTooFast": "Trop de signalements depuis votre connexion. Veuillez réessayer dans une minute.",
      "reportFailed": "Votre signalement n'a pas pu être envoyé\u00a0: {message}",
      "reportUnreachable": "Le service de commentaires est injoignable. Veuillez réessayer.",
      "nudgeTitle": "Avant de publier",
      "postAnyway": "Publier quand même",
      "nudgeChoice": "Vous pouvez modifier votre commentaire, ou le publier tel quel.",
      "nudgeHeld": "Si vous le publiez maintenant, un modérateur le lira avant sa publication.",
      "nudgeRejected": "Si vous le publiez maintenant, il ne sera probablement pas publié.",
      "nudge": {
        "toxic_language": "Certains termes pourraient être perçus comme blessants.",
        "offensive_language": "Certains mots vont à l'encontre de nos règles de la communauté.",
        "awaiting_review": "Certains termes feraient qu'un modérateur le lirait d'abord.",
        "links": "Les commentaires contenant des liens sont lus par un modérateur avant leur publication.",
        "spam": "Un lien qu'il contient mène à un site que nous n'autorisons pas.",
        "shouting": "Il est écrit surtout en majuscules, ce qui donne l'impression de crier.",
        "noise": "Il répète de nombreuses fois certains caractères ou mots.",
        "length": "Il est très court ou très long.",
        "personal_data": "Il semble contenir une adresse e-mail ou un numéro de téléphone.",
        "*": "Certains éléments pourraient empêcher sa publication."
      },
      "explain": {
        "pending:*": "Merci\u00a0! Chaque commentaire est vérifié avant d'apparaître. Cela prend généralement quelques secondes.",
        "held:awaiting_review": "Un modérateur lira votre commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:links": "Les commentaires contenant des liens sont lus par un modérateur avant leur publication, pour éviter le spam. D'ici là, vous seul pouvez le voir.",
        "held:toxic_language": "Certains termes pourraient être perçus comme blessants\u00a0: un modérateur lira donc votre commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:offensive_language": "Certains termes pourraient enfreindre nos règles de la communauté\u00a0: un modérateur lira donc votre commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:premoderation": "Ici, les commentaires sont lus par un modérateur avant leur publication. D'ici là, vous seul pouvez le voir.",
        "held:article_surge": "La discussion est très animée\u00a0: pendant un moment, un modérateur lit chaque commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:personal_data": "Votre commentaire semble contenir une adresse e-mail ou un numéro de téléphone\u00a0: un modérateur le lira donc avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:duplicate": "Ce commentaire ressemble à celui que vous venez de publier\u00a0: un modérateur le lira donc avant sa publication.",
        "held:too_fast": "Vous publiez très vite\u00a0: un modérateur lira donc ce commentaire avant sa publication. Prenez le temps de souffler entre deux commentaires.",
        "held:shouting": "Les commentaires écrits surtout en majuscules sont lus par un modérateur avant leur publication. D'ici là, vous seul pouvez le voir.",
        "held:noise": "Votre commentaire répète de nombreuses fois certains caractères ou mots\u00a0: un modérateur le lira donc avant sa publication.",
        "held:length": "En raison de sa longueur, un modérateur lira votre commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "held:*": "Un modérateur lira votre commentaire avant sa publication. D'ici là, vous seul pouvez le voir.",
        "rejected:offensive_language": "Votre commentaire n'a pas été publié car il emploie des termes que nos règles de la communauté n'autorisent pas. Vous pouvez le reformuler et le publier à nouveau.",
        "rejected:toxic_language": "Votre commentaire n'a pas été publié car il pourrait être perçu comme blessant. N'hésitez pas à exprimer votre point de vue autrement.",
        "rejected:links": "Votre commentaire n'a pas été publié à cause des liens qu'il contient. Vous pouvez le publier à nouveau sans ces liens.",
        "rejected:abusive": "Un modérateur n'a pas publié votre commentaire car il s'apparente à une attaque personnelle. Le désaccord est bienvenu\u00a0; restez courtois.",
        "rejected:spam": "Un modérateur n'a pas publié votre commentaire car il ressemble à de la publicité ou à du spam.",
        "rejected:off_topic": "Un modérateur n'a pas publié votre commentaire car il ne porte pas sur cet article.",
        "rejected:personal_data": "Un modérateur n'a pas publié votre commentaire car il divulgue des informations personnelles sur quelqu'un.",
        "rejected:illegal": "Un modérateur n'a pas publié votre commentaire car il pourrait enfreindre la loi.",
        "rejected:comments_closed": "Les commentaires sur cet article sont fermés\u00a0: votre commentaire n'a donc pas été publié.",
        "rejected:author_banned": "Votre commentaire n'a pas été publié\u00a0: ce compte ne peut plus publier de commentaires ici.",
        "rejected:*": "Votre commentaire n'a pas été publié car il ne respecte pas nos règles de la communauté. Vous pouvez réessayer."
      }
    },
    "de": {
      "title": "Kommentare",
      "count": {
        "one": "{n} Kommentar",
        "other": "{n} Kommentare"
      },
      "orderGroup": "Reihenfolge der Kommentare",
      "oldest": "Älteste zuerst",
      "newest": "Neueste zuerst",
      "showingOldest": "Die ältesten Kommentare stehen jetzt oben.",
      "showingNewest": "Die neuesten Kommentare stehen jetzt oben.",
      "ownList": "Ihre letzten Kommentare",
      "list": "Kommentare",
      "replies": "Antworten",
      "removed": "Dieser Kommentar ist nicht mehr verfügbar.",
      "loading": "Kommentare werden geladen…",
      "loadMore": "Weitere Kommentare laden",
      "moreLoaded": "Weitere Kommentare geladen.",
      "noMore": "Keine weiteren Kommentare.",
      "empty": "Noch keine Kommentare. Beginnen Sie die Diskussion.",
      "loadFailed": "Die Kommentare konnten nicht geladen werden.",
      "tryAgain": "Erneut versuchen",
      "anonymous": "Anonym",
      "you": "Sie",
      "commentBy": "Kommentar von {name}",
      "reply": "Antworten",
      "replyTo": "{name} antworten",
      "join": "Diskutieren Sie mit",
      "yourName": "Ihr Name",
      "postingAs": "Sie schreiben als {name}",
      "signInNeeded": "Bitte melden Sie sich an, um mitzudiskutieren.",
      "yourComment": "Ihr Kommentar",
      "yourReply": "Ihre Antwort",
      "hint": "Kommentare werden vor der Veröffentlichung geprüft.",
      "counter": "{used} / {max} Zeichen",
      "tooMany": " ({over} zu viel)",
      "postComment": "Kommentar senden",
      "postReply": "Antwort senden",
      "posting": "Wird gesendet…",
      "cancel": "Abbrechen",
      "edit": "Bearbeiten",
      "editComment": "Ihren Kommentar bearbeiten",
      "save": "Speichern",
      "saving": "Wird gespeichert…",
      "edited": "bearbeitet",
      "editSent": "Ihre Änderung wurde gesendet. Sie wird geprüft, bevor sie erscheint.",
      "editClosed": "Die Zeit zum Bearbeiten dieses Kommentars ist abgelaufen.",
      "notEdited": "Ihre Änderung konnte nicht gespeichert werden: {message}",
      "needName": "Bitte geben Sie Ihren Namen ein.",
      "nameTooLong": "Bitte kürzen Sie Ihren Namen auf {max} Zeichen.",
      "needText": "Bitte schreiben Sie zuerst einen Kommentar.",
      "textTooLong": "Ihr Kommentar ist {n} Zeichen lang; erlaubt sind {max}. Bitte kürzen Sie ihn.",
      "unreachable": "Der Kommentardienst ist nicht erreichbar. Ihr Text bleibt erhalten; bitte versuchen Sie es erneut.",
      "tooLarge": "Ihr Kommentar ist zu lang zum Senden.",
      "tooFast": "Sie schreiben sehr schnell. Bitte warten Sie einen Moment und versuchen Sie es dann erneut.",
      "serverError": "Bei uns ist etwas schiefgelaufen. Ihr Text bleibt erhalten; bitte versuchen Sie es erneut.",
      "notPosted": "Ihr Kommentar konnte nicht gesendet werden: {message}",
      "sent": "Ihr Kommentar wurde gesendet. {status}.",
      "publishedNow": "Ihr Kommentar ist veröffentlicht.",
      "heldNow": "Ihr Kommentar wird geprüft. {explain}",
      "status": {
        "pending": "Wartet auf Moderation",
        "approved": "Veröffentlicht",
        "held": "Wird geprüft",
        "rejected": "Nicht veröffentlicht"
      },
      "report": "Melden",
      "reportComment": "Kommentar von {name} melden",
      "reported": "Gemeldet",
      "reportTitle": "Warum melden Sie diesen Kommentar?",
      "reasons": {
        "abusive": "Beleidigend oder hasserfüllt",
        "spam": "Spam oder Werbung",
        "off_topic": "Gehört nicht zum Thema",
        "personal_data": "Gibt persönliche Daten preis",
        "illegal": "Rechtswidriger Inhalt",
        "other": "Etwas anderes"
      },
      "reportNote": "Möchten Sie der Moderation noch etwas mitteilen? (optional)",
      "sendReport": "Meldung senden",
      "sending": "Wird gesendet…",
      "needReason": "Bitte wählen Sie einen Grund.",
      "reportThanks": "Danke. Die Moderation sieht sich diesen Kommentar an.",
      "reportAgain": "Sie haben diesen Kommentar bereits gemeldet.",
      "reportGone": "Dieser Kommentar ist nicht mehr veröffentlicht.",
      "reportTooFast": "Zu viele Meldungen von Ihrem Anschluss. Bitte versuchen Sie es in einer Minute erneut.",
      "reportFailed": "Ihre Meldung konnte nicht gesendet werden: {message}",
      "reportUnreachable": "Der Kommentardienst ist nicht erreichbar. Bitte versuchen Sie es erneut.",
      "nudgeTitle": "Bevor Sie senden",
      "postAnyway": "Trotzdem senden",
      "nudgeChoice": "Sie können Ihren Kommentar ändern oder so senden, wie er ist.",
      "nudgeHeld": "Wenn Sie ihn jetzt senden, liest die Moderation ihn, bevor er erscheint.",
      "nudgeRejected": "Wenn Sie ihn jetzt senden, wird er wahrscheinlich nicht veröffentlicht.",
      "nudge": {
        "toxic_language": "Einige Formulierungen könnten auf andere verletzend wirken.",
        "offensive_language": "Einige Wörter verstoßen gegen unsere Community-Richtlinien.",
        "awaiting_review": "Wegen einiger Formulierungen würde die Moderation ihn zuerst lesen.",
        "links": "Kommentare mit Links liest die Moderation, bevor sie erscheinen.",
        "spam": "Ein Link darin führt zu einer Website, die wir nicht zulassen.",
        "shouting": "Er ist überwiegend in Großbuchstaben geschrieben und wirkt wie Schreien.",
        "noise": "Er wiederholt einige Zeichen oder Wörter sehr oft.",
        "length": "Er ist sehr kurz oder sehr lang.",
        "personal_data": "Er scheint eine E-Mail-Adresse oder Telefonnummer zu enthalten.",
        "*": "Einiges darin könnte eine Veröffentlichung verhindern."
      },
      "explain": {
        "pending:*": "Danke! Jeder Kommentar wird geprüft, bevor er erscheint. Das dauert meist nur wenige Sekunden.",
        "held:awaiting_review": "Die Moderation liest Ihren Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:links": "Kommentare mit Links liest die Moderation, bevor sie erscheinen, um Spam fernzuhalten. Bis dahin sehen nur Sie ihn.",
        "held:toxic_language": "Einige Formulierungen könnten verletzend wirken, deshalb liest die Moderation Ihren Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:offensive_language": "Einige Formulierungen könnten gegen unsere Community-Regeln verstoßen, deshalb liest die Moderation Ihren Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:premoderation": "Kommentare liest hier die Moderation, bevor sie erscheinen. Bis dahin sehen nur Sie ihn.",
        "held:article_surge": "Die Diskussion ist gerade sehr lebhaft, deshalb liest die Moderation eine Zeit lang jeden Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:personal_data": "Ihr Kommentar scheint eine E-Mail-Adresse oder Telefonnummer zu enthalten, deshalb liest die Moderation ihn, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:duplicate": "Dieser Kommentar gleicht einem, den Sie gerade geschrieben haben, deshalb liest die Moderation ihn, bevor er erscheint.",
        "held:too_fast": "Sie schreiben sehr schnell, deshalb liest die Moderation diesen Kommentar, bevor er erscheint. Lassen Sie sich zwischen zwei Kommentaren etwas Zeit.",
        "held:shouting": "Kommentare, die überwiegend in Großbuchstaben geschrieben sind, liest die Moderation, bevor sie erscheinen. Bis dahin sehen nur Sie ihn.",
        "held:noise": "Ihr Kommentar wiederholt einige Zeichen oder Wörter sehr oft, deshalb liest die Moderation ihn, bevor er erscheint.",
        "held:length": "Wegen seiner Länge liest die Moderation Ihren Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "held:*": "Die Moderation liest Ihren Kommentar, bevor er erscheint. Bis dahin sehen nur Sie ihn.",
        "rejected:offensive_language": "Ihr Kommentar wurde nicht veröffentlicht, weil er Ausdrücke enthält, die unsere Community-Regeln nicht erlauben. Sie können ihn gern umformulieren und erneut senden.",
        "rejected:toxic_language": "Ihr Kommentar wurde nicht veröffentlicht, weil er auf andere verletzend wirken könnte. Sagen Sie es gern mit anderen Worten.",
        "rejected:links": "Ihr Kommentar wurde wegen der enthaltenen Links nicht veröffentlicht. Sie können ihn gern ohne die Links erneut senden.",
        "rejected:abusive": "Die Moderation hat Ihren Kommentar nicht veröffentlicht, weil er sich wie ein persönlicher Angriff liest. Widerspruch ist willkommen; bitte bleiben Sie sachlich.",
        "rejected:spam": "Die Moderation hat Ihren Kommentar nicht veröffentlicht, weil er wie Werbung oder Spam aussieht.",
        "rejected:off_topic": "Die Moderation hat Ihren Kommentar nicht veröffentlicht, weil er nicht zum Thema des Artikels gehört.",
        "rejected:personal_data": "Die Moderation hat Ihren Kommentar nicht veröffentlicht, weil er persönliche Daten einer Person preisgibt.",
        "rejected:illegal": "Die Moderation hat Ihren Kommentar nicht veröffentlicht, weil er gegen Gesetze verstoßen könnte.",
        "rejected:comments_closed": "Die Kommentare zu diesem Artikel sind geschlossen, deshalb wurde Ihr Kommentar nicht veröffentlicht.",
        "rejected:author_banned": "Ihr Kommentar wurde nicht veröffentlicht: Dieses Konto kann hier keine Kommentare mehr schreiben.",
        "rejected:*": "Ihr Kommentar wurde nicht veröffentlicht, weil er nicht unseren Community-Regeln entspricht. Sie können es gern noch einmal versuchen."
      }
    },
    "es": {
      "title": "Comentarios",
      "count": {
        "one": "{n} comentario",
        "other": "{n} comentarios"
      },
      "orderGroup": "Orden de los comentarios",
      "oldest": "Más antiguos primero",
      "newest": "Más recientes primero",
      "showingOldest": "Se muestran primero los comentarios más antiguos.",
      "showingNewest": "Se muestran primero los comentarios más recientes.",
      "ownList": "Tus comentarios recientes",
      "list": "Comentarios",
      "replies": "Respuestas",
      "removed": "Este comentario ya no está disponible.",
      "loading": "Cargando comentarios…",
      "loadMore": "Cargar más comentarios",
      "moreLoaded": "Se han cargado más comentarios.",
      "noMore": "No hay más comentarios.",
      "empty": "Todavía no hay comentarios. Empieza la conversación.",
      "loadFailed": "No se pudieron cargar los comentarios.",
      "tryAgain": "Reintentar",
      "anonymous": "Anónimo",
      "you": "Tú",
      "commentBy": "Comentario de {name}",
      "reply": "Responder",
      "replyTo": "Responder a {name}",
      "join": "Únete a la conversación",
      "yourName": "Tu nombre",
      "postingAs": "Publicas como {name}",
      "signInNeeded": "Inicia sesión para participar.",
      "yourComment": "Tu comentario",
      "yourReply": "Tu respuesta",
      "hint": "Los comentarios se revisan antes de publicarse.",
      "counter": "{used} / {max} caracteres",
      "tooMany": " ({over} de más)",
      "postComment": "Publicar comentario",
      "postReply": "Publicar respuesta",
      "posting": "Publicando…",
      "cancel": "Cancelar",
      "edit": "Editar",
      "editComment": "Editar tu comentario",
      "save": "Guardar",
      "saving": "Guardando…",
      "edited": "editado",
      "editSent": "Tu cambio se envió. Se revisa antes de aparecer.",
      "editClosed": "El plazo para editar este comentario ha terminado.",
      "notEdited": "No se pudo guardar tu cambio: {message}",
      "needName": "Escribe tu nombre.",
      "nameTooLong": "Acorta tu nombre a {max} caracteres.",
      "needText": "Escribe primero un comentario.",
      "textTooLong": "Tu comentario tiene {n} caracteres; el límite es {max}. Acórtalo, por favor.",
      "unreachable": "No hemos podido conectar con el servicio de comentarios. Tu texto sigue aquí; inténtalo de nuevo.",
      "tooLarge": "Tu comentario es demasiado largo para enviarlo.",
      "tooFast": "Estás publicando muy rápido. Espera un momento y vuelve a intentarlo.",
      "serverError": "Algo ha fallado por nuestra parte. Tu texto sigue aquí; inténtalo de nuevo.",
      "notPosted": "No se pudo publicar tu comentario: {message}",
      "sent": "Tu comentario se ha enviado. {status}.",
      "publishedNow": "Tu comentario se ha publicado.",
      "heldNow": "Tu comentario está pendiente de revisión. {explain}",
      "status": {
        "pending": "Pendiente de moderación",
        "approved": "Publicado",
        "held": "En revisión",
        "rejected": "No publicado"
      },
      "report": "Denunciar",
      "reportComment": "Denunciar el comentario de {name}",
      "reported": "Denunciado",
      "reportTitle": "¿Por qué denuncias este comentario?",
      "reasons": {
        "abusive": "Ofensivo o de odio",
        "spam": "Spam o publicidad",
        "off_topic": "No trata del tema",
        "personal_data": "Revela datos personales de alguien",
        "illegal": "Contenido ilegal",
        "other": "Otro motivo"
      },
      "reportNote": "¿Algo que deba saber la moderación? (opcional)",
      "sendReport": "Enviar denuncia",
      "sending": "Enviando…",
      "needReason": "Elige un motivo.",
      "reportThanks": "Gracias. Un moderador revisará este comentario.",
      "reportAgain": "Ya has denunciado este comentario.",
      "reportGone": "Este comentario ya no está publicado.",
      "reportTooFast": "Demasiadas denuncias desde tu conexión. Vuelve a intentarlo dentro de un minuto.",
      "reportFailed": "No se pudo enviar tu denuncia: {message}",
      "reportUnreachable": "No hemos podido conectar con el servicio de comentarios. Inténtalo de nuevo.",
      "nudgeTitle": "Antes de publicar",
      "postAnyway": "Publicar de todos modos",
      "nudgeChoice": "Puedes cambiar tu comentario o publicarlo tal como está.",
      "nudgeHeld": "Si lo publicas ahora, un moderador lo leerá antes de que aparezca.",
      "nudgeRejected": "Si lo publicas ahora, lo más probable es que no se publique.",
      "nudge": {
        "toxic_language": "Algunas expresiones podrían resultar hirientes para otras personas.",
        "offensive_language": "Algunas palabras van en contra de nuestras normas de la comunidad.",
        "awaiting_review": "Algunas expresiones harían que un moderador lo leyera primero.",
        "links": "Los comentarios con enlaces los lee un moderador antes de que aparezcan.",
        "spam": "Un enlace lleva a un sitio que no permitimos.",
        "shouting": "Está escrito sobre todo en mayúsculas, lo que parece un grito.",
        "noise": "Repite muchas veces algunos caracteres o palabras.",
        "length": "Es muy corto o muy largo.",
        "personal_data": "Parece incluir una dirección de correo electrónico o un número de teléfono.",
        "*": "Algo en él podría impedir que se publique."
      },
      "explain": {
        "pending:*": "¡Gracias! Revisamos cada comentario antes de que aparezca. Suele tardar unos segundos.",
        "held:awaiting_review": "Un moderador leerá tu comentario antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "held:links": "Un moderador lee los comentarios con enlaces antes de publicarlos, para evitar el spam. Hasta entonces, solo tú puedes verlo.",
        "held:toxic_language": "Algunas expresiones podrían resultar hirientes, así que un moderador leerá tu comentario antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "held:offensive_language": "Algunas expresiones podrían ir contra nuestras normas de la comunidad, así que un moderador leerá tu comentario antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "held:premoderation": "Aquí un moderador lee los comentarios antes de publicarlos. Hasta entonces, solo tú puedes verlo.",
        "held:article_surge": "El debate está muy animado, así que durante un tiempo un moderador lee cada comentario antes de publicarlo. Hasta entonces, solo tú puedes verlo.",
        "held:personal_data": "Tu comentario parece incluir una dirección de correo o un número de teléfono, así que un moderador lo leerá antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "held:duplicate": "Se parece a un comentario que acabas de publicar, así que un moderador lo leerá antes de que aparezca.",
        "held:too_fast": "Estás publicando muy rápido, así que un moderador leerá este comentario antes de que aparezca. Tómate un respiro entre comentarios.",
        "held:shouting": "Un moderador lee los comentarios escritos sobre todo en mayúsculas antes de publicarlos. Hasta entonces, solo tú puedes verlo.",
        "held:noise": "Tu comentario repite muchas veces algunos caracteres o palabras, así que un moderador lo leerá antes de que aparezca.",
        "held:length": "Por su longitud, un moderador leerá tu comentario antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "held:*": "Un moderador leerá tu comentario antes de que aparezca. Hasta entonces, solo tú puedes verlo.",
        "rejected:offensive_language": "Tu comentario no se ha publicado porque usa un lenguaje que nuestras normas de la comunidad no permiten. Puedes reformularlo y publicarlo de nuevo.",
        "rejected:toxic_language": "Tu comentario no se ha publicado porque podría resultar hiriente para otras personas. Puedes expresar tu opinión con otras palabras.",
        "rejected:links": "Tu comentario no se ha publicado por los enlaces que contiene. Puedes publicarlo de nuevo sin ellos.",
        "rejected:abusive": "Un moderador no ha publicado tu comentario porque se lee como un ataque personal. Discrepar es bienvenido; mantén el respeto, por favor.",
        "rejected:spam": "Un moderador no ha publicado tu comentario porque parece publicidad o spam.",
        "rejected:off_topic": "Un moderador no ha publicado tu comentario porque no trata sobre este artículo.",
        "rejected:personal_data": "Un moderador no ha publicado tu comentario porque revela datos personales de alguien.",
        "rejected:illegal": "Un moderador no ha publicado tu comentario porque podría infringir la ley.",
        "rejected:comments_closed": "Los comentarios de este artículo están cerrados, así que tu comentario no se ha publicado.",
        "rejected:author_banned": "Tu comentario no se ha publicado: esta cuenta ya no puede comentar aquí.",
        "rejected:*": "Tu comentario no se ha publicado porque no cumple nuestras normas de la comunidad. Puedes intentarlo de nuevo."
      }
    }
  };
  // STRINGS end
  var LANGUAGES = Object.keys(STRINGS);

  var STYLES = [
    ":host { all: initial; display: block;",
    "  font-family: var(--mw-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);",
    "  font-size: 16px; line-height: 1.5; color: var(--mw-text, #1f2328); }",
    "*, *::before, *::after { box-sizing: border-box; }",
    ".widget { margin: 0; }",
    ".head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; margin: 0 0 16px; }",
    "h2 { margin: 0; font-size: 1.4em; line-height: 1.2; }",
    "h3 { margin: 0 0 10px; font-size: 1.05em; }",
    ".order { display: inline-flex; border: 1px solid #c8ccd1; border-radius: 6px; overflow: hidden; }",
    ".order button { border: 0; border-radius: 0; background: transparent; color: inherit; padding: 6px 12px; font-weight: 500; }",
    ".order button + button { border-left: 1px solid #c8ccd1; }",
    ".order button[aria-pressed='true'] { background: var(--mw-accent, #14213d); color: #fff; }",
    "button { font: inherit; font-size: 0.95em; cursor: pointer; border-radius: 6px; }",
    "button:disabled { cursor: default; opacity: 0.6; }",
    ":focus-visible { outline: 3px solid var(--mw-focus, #2563eb); outline-offset: 2px; }",
    "form { margin: 0 0 24px; padding: 16px; background: #f6f7f9; border: 1px solid #e1e4e8; border-radius: 8px; }",
    ".reply-form, .report-form { margin: 12px 0 8px; }",
    ".field { margin: 0 0 12px; }",
    ".signed-in { margin: 0 0 12px; color: var(--mw-muted, #4b5563); }",
    "label { display: block; margin: 0 0 4px; font-weight: 600; font-size: 0.95em; }",
    "input, textarea { display: block; width: 100%; font: inherit; color: inherit; background: #fff;",
    "  border: 1px solid #b8bec6; border-radius: 6px; padding: 8px 10px; }",
    "input { max-width: 320px; }",
    "textarea { min-height: 96px; resize: vertical; }",
    ".report-form textarea { min-height: 60px; }",
    "fieldset { border: 0; margin: 0 0 12px; padding: 0; }",
    "legend { font-weight: 600; margin: 0 0 6px; padding: 0; }",
    ".choice { display: flex; align-items: center; gap: 8px; font-weight: 400; margin: 0 0 4px; }",
    ".choice input { display: inline-block; width: auto; margin: 0; }",
    "[aria-invalid='true'] { border-color: #b42318; }",
    ".meta { display: flex; justify-content: space-between; gap: 12px; margin-top: 4px; font-size: 0.85em; color: var(--mw-muted, #57606a); }",
    ".counter { white-space: nowrap; }",
    ".counter.over { color: #b42318; font-weight: 600; }",
    ".error { margin: 0 0 12px; color: #b42318; font-weight: 500; }",
    ".nudge { margin: 0 0 12px; padding: 8px 12px; border-left: 4px solid #b54708; background: #fffaeb; }",
    ".nudge p, .nudge ul { margin: 4px 0; } .nudge-title { font-weight: 600; }",
    ".actions { display: flex; gap: 16px; align-items: center; }",
    "form .actions { gap: 8px; }",
    ".primary { background: var(--mw-accent, #14213d); color: #fff; border: 1px solid transparent; padding: 8px 16px; font-weight: 600; }",
    ".secondary, .more { background: #fff; color: inherit; border: 1px solid #b8bec6; padding: 7px 14px; }",
    ".link { background: none; border: 0; padding: 2px 0; color: var(--mw-accent, #14213d); font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }",
    ".link.report { color: var(--mw-muted, #57606a); font-weight: 500; }",
    ".report-done { margin: 8px 0 0; font-size: 0.92em; color: #116329; }",
    "ol { list-style: none; margin: 0; padding: 0; }",
    ".comment { margin: 0; }",
    ".comment > article { padding: 14px 0; border-top: 1px solid #e1e4e8; }",
    ".comment > article:focus { outline: none; }",
    ".comment > article:focus-visible { outline: 3px solid var(--mw-focus, #2563eb); }",
    ".replies { margin-left: 22px; padding-left: 16px; border-left: 2px solid #e1e4e8; }",
    ".replies .replies .replies { margin-left: 0; }",
    ".byline { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; margin: 0 0 4px; font-size: 0.9em; }",
    ".author { font-weight: 700; }",
    ".you { font-size: 0.8em; padding: 0 6px; border-radius: 4px; background: #e7ecf3; }",
    "time { color: var(--mw-muted, #57606a); }",
    ".edited { color: var(--mw-muted, #57606a); font-style: italic; }",
    ".edit-form textarea { width: 100%; box-sizing: border-box; }",
    ".text { margin: 0 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".removed { margin: 0 0 6px; font-style: italic; color: #57606a; }",
    ".own > article { padding-left: 12px; border-left: 4px solid #c8ccd1; }",
    ".own[data-status='pending'] > article { border-left-color: #9a6700; background: #fff8e5; }",
    ".own[data-status='held'] > article { border-left-color: #9a6700; background: #fff8e5; }",
    ".own[data-status='rejected'] > article { border-left-color: #b42318; background: #fdf0ee; }",
    ".own[data-status='approved'] > article { border-left-color: #1a7f37; }",
    ".badge { font-size: 0.8em; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: #fff1c2; color: #6b4a00; }",
    "[data-status='rejected'] .badge { background: #ffd8d3; color: #8a1c12; }",
    "[data-status='approved'] .badge { background: #dafbe1; color: #116329; }",
    ".explain { margin: 0 0 6px; font-size: 0.92em; color: #3d444d; }",
    ".empty, .loading, .load-error { color: var(--mw-muted, #57606a); margin: 12px 0; }",
    ".more { display: block; margin: 16px auto 0; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }",
    "[hidden] { display: none !important; }"
  ].join("\n");

  // ---- small helpers -------------------------------------------------------------------

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var name;
    for (name in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, name)) continue;
      var value = attrs[name];
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function randomId() {
    var cryptoApi = window.crypto || window.msCrypto;
    if (cryptoApi && cryptoApi.randomUUID) return cryptoApi.randomUUID();
    var bytes = new Uint8Array(16);
    if (cryptoApi && cryptoApi.getRandomValues) cryptoApi.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // localStorage can be missing or throw (privacy modes); the widget then forgets on reload.
  var memoryStore = {};
  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(STORE + key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : fallback;
    }
  }
  function save(key, value) {
    memoryStore[key] = value;
    try { window.localStorage.setItem(STORE + key, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }

  /** The reader's id and name, kept per browser so their comments carry the same author. */
  function author() {
    var known = load("author", null);
    if (!known || typeof known.id !== "string" || !known.id) {
      known = { id: "reader-" + randomId(), name: known && known.name ? known.name : "" };
      save("author", known);
    }
    return known;
  }

  /** Who sends a report, for an anonymous reader: the random id its reader's comments carry.
   * A signed-in reader's report also carries their session, and the service then takes the
   * reader from it and ignores this id. */
  function reporter() {
    return { reader_id: author().id };
  }

  /** Length as the server counts it: code points, not UTF-16 units. */
  function length(text) {
    return Array.from(text).length;
  }

  function parseDate(value) {
    if (!value) return null;
    // The API may send a time without an offset; it is UTC.
    var text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
    var date = new Date(text);
    return isNaN(date.getTime()) ? null : date;
  }

  /** `template` with each {field} replaced by values[field]; the result is only ever text. */
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, field) {
      return Object.prototype.hasOwnProperty.call(values || {}, field) ? String(values[field]) : whole;
    });
  }

  /** The language of the strings (one of LANGUAGES) and the locale of dates and plurals.
   * data-locale="fr-CA" shows French strings and Canadian dates; a language the widget has no
   * strings for falls back to English, dates included, so one page never mixes languages. */
  function chooseLocale(wanted) {
    var tag = String(wanted || document.documentElement.lang || "en").trim().replace(/_/g, "-");
    var language = tag.split("-")[0].toLowerCase();
    if (LANGUAGES.indexOf(language) === -1) return { language: "en", locale: "en" };
    var locale = language;
    try {
      if (window.Intl && Intl.DateTimeFormat.supportedLocalesOf([tag]).length) locale = tag;
    } catch (e) { /* not a valid tag: the language alone */ }
    return { language: language, locale: locale };
  }

  // ---- the API, over HTTP --------------------------------------------------------------

  function Api(base, signal, site) {
    this.base = base.replace(/\/+$/, "") + "/";
    this.signal = signal;
    // The paths of the site's articles: /v1/sites/<site>/..., or the default site's /v1/...
    this.prefix = site ? "v1/sites/" + encodeURIComponent(site) + "/" : "v1/";
    this.kept = {};      // url -> { etag, data } of the pages read, for If-None-Match
    this.keptOrder = []; // their urls, oldest first, so only PAGES_KEPT stay
  }
  Api.prototype.request = function (method, path, body, headers) {
    var signal = this.signal;
    var options = { method: method, headers: headers || {}, credentials: "omit", mode: "cors",
      signal: signal };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var url = /^https?:/.test(path) ? path : this.base + path;
    // A destroyed widget's requests never settle: nothing runs for a widget that is gone.
    var gone = function () { return new Promise(function () {}); };
    return window.fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (signal && signal.aborted) return gone();
        if (!response.ok) {
          var error = new Error(data.message || "HTTP " + response.status);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    }, function (error) {
      if (signal && signal.aborted) return gone();
      throw error;
    });
  };
  /** A page of published comments: { data, unchanged }. `since` asks only for what was
   * published after that comment (then `order` is oldest first). */
  Api.prototype.page = function (articleId, cursor, limit, order, since) {
    var query = "?limit=" + limit + (order === "newest" ? "&order=newest" : "") +
      (since ? "&since=" + encodeURIComponent(since) : "") +
      (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    return this.read(this.prefix + "articles/" + encodeURIComponent(articleId) + "/comments" + query);
  };
  /** GET a public page, revalidated: the ETag of each page read is kept with its body and sent
   * back as If-None-Match; a 304 answers with the body kept, and `unchanged` true. The
   * browser's own cache is left out (no-store), so the 304 reaches the widget. */
  Api.prototype.read = function (path) {
    var self = this;
    var signal = this.signal;
    var url = this.base + path;
    var kept = this.kept[url];
    var options = { method: "GET", headers: kept ? { "If-None-Match": kept.etag } : {},
      credentials: "omit", mode: "cors", cache: "no-store", signal: signal };
    var gone = function () { return new Promise(function () {}); };
    return window.fetch(url, options).then(function (response) {
      if (signal && signal.aborted) return gone();
      if (response.status === 304 && kept) return { data: kept.data, unchanged: true };
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (signal && signal.aborted) return gone();
        if (!response.ok) {
          var error = new Error(data.message || "HTTP " + response.status);
          error.status = response.status;
          error.data = data;
          throw error;
        }
        var etag = response.headers.get("ETag");
        if (etag) self.keep(url, etag, data);
        return { data: data, unchanged: false };
      });
    }, function (error) {
      if (signal && signal.aborted) return gone();
      throw error;
    });
  };
  Api.prototype.keep = function (url, etag, data) {
    if (!this.kept[url]) this.keptOrder.push(url);
    this.kept[url] = { etag: etag, data: data };
    while (this.keptOrder.length > PAGES_KEPT) delete this.kept[this.keptOrder.shift()];
  };
  Api.prototype.post = function (articleId, body, key, headers) {
    return this.request("POST", this.prefix + "articles/" + encodeURIComponent(articleId) + "/comments",
      body, Object.assign({ "Idempotency-Key": key }, headers));
  };
  /** What posting this draft would most likely do (the nudge): { enabled, outcome, nudge, reasons }. */
  Api.prototype.precheck = function (articleId, body, headers) {
    return this.request("POST", this.prefix + "articles/" + encodeURIComponent(articleId) +
      "/comments:precheck", body, headers);
  };
  /** The SSO token, once, for a session: { token, expires_at, user: { id, name } }. */
  Api.prototype.exchange = function (ssoToken) {
    return this.request("POST", this.prefix + "commenter-sessions", {},
      { "Authorization": "Bearer " + ssoToken });
  };
  /** A comment's status for its author: revalidated too (a 304 while it is unchanged). */
  Api.prototype.status = function (id) {
    return this.read("v1/comments/" + encodeURIComponent(id)).then(function (answer) { return answer.data; });
  };
  /** The author's new text for their comment, at the version they saw. */
  Api.prototype.edit = function (id, body, headers) {
    return this.request("PATCH", "v1/comments/" + encodeURIComponent(id), body, headers);
  };
  Api.prototype.report = function (id, body, headers) {
    return this.request("POST", "v1/comments/" + encodeURIComponent(id) + "/reports", body, headers);
  };

  // ---- the signed-in reader: an SSO token from the page, a session from the service -----

  // One per service and site, shared by the widgets of a page: an SSO token is used once, so
  // two widgets of one site must not both exchange it.
  var identities = {};

  function identityFor(apiBase, site) {
    var key = apiBase + "|" + (site || "");
    if (!identities[key]) identities[key] = new Identity(new Api(apiBase, null, site));
    return identities[key];
  }

  function Identity(api) {
    this.api = api;
    this.sso = null;          // an SSO token the page gave and nobody exchanged yet
    this.getToken = null;     // the page's function for a new SSO token, if it gave one
    this.session = null;      // { token, expiresAt (ms), user: { id, name } }
    this.pending = null;      // the exchange under way
    this.listeners = [];      // widgets that show who posts
  }

  /** A new SSO token from the page (a reader signed in, or another one did): exchange it. */
  Identity.prototype.give = function (ssoToken) {
    this.sso = ssoToken || null;
    this.session = null;
    this.pending = null;
    this.changed();
    return this.current();
  };

  /** The live session, exchanging or renewing as needed; null for an anonymous reader. */
  Identity.prototype.current = function () {
    var self = this;
    if (this.session && this.session.expiresAt - 30000 > Date.now()) return Promise.resolve(this.session);
    if (this.pending) return this.pending;
    if (!this.sso && !this.getToken) return Promise.resolve(null);
    var ssoToken = this.sso;
    this.sso = null;
    var source = ssoToken ? Promise.resolve(ssoToken) : Promise.resolve().then(function () { return self.getToken(); });
    var pending = source.then(function (token) {
      if (!token) return null;
      return self.api.exchange(String(token)).then(function (answer) {
        return { token: answer.token, expiresAt: Date.parse(answer.expires_at), user: answer.user };
      }, function (problem) {
        if (!problem.status) throw problem;  // unreachable: the write fails and says so
        return null;  // refused: the reader goes on as an anonymous one, where the site allows
      });
    }).then(function (session) {
      if (self.pending === pending) {
        self.session = session;
        self.pending = null;
        self.changed();
      }
      return session;
    }, function (error) {
      if (self.pending === pending) self.pending = null;
      throw error;
    });
    this.pending = pending;
    return pending;
  };

  /** The session was refused or ran out: drop it and try a new SSO token from the page. */
  Identity.prototype.renew = function () {
    this.session = null;
    this.pending = null;
    this.changed();
    return this.current();
  };

  Identity.prototype.headers = function (session) {
    return session ? { "Authorization": "Bearer " + session.token } : {};
  };

  Identity.prototype.changed = function () {
    var self = this;
    this.listeners.forEach(function (widget) { widget.showIdentity(self.session); });
  };

  // ---- the widget ----------------------------------------------------------------------

  var formCount = 0;

  function Widget(host, options) {
    var chosen = chooseLocale(options.locale);
    this.language = chosen.language;
    this.locale = chosen.locale;
    this.strings = STRINGS[chosen.language];
    this.aborter = window.AbortController ? new AbortController() : null;
    this.api = new Api(options.apiBase, this.aborter ? this.aborter.signal : null, options.site);
    this.identity = identityFor(options.apiBase, options.site);
    this.identity.listeners.push(this);
    if (options.getToken) this.identity.getToken = options.getToken;
    this.articleId = options.articleId;
    this.pageSize = options.pageSize;
    this.order = load("order", "oldest") === "newest" ? "newest" : "oldest";
    this.cursor = null;        // the server's next_cursor for the chosen order
    this.total = null;         // comments readers can see, from the first page
    this.latestId = null;      // the comment published last that this widget knows of
    this.refreshMs = options.refreshMs;
    this.refreshDelay = options.refreshMs;
    this.refreshTurn = null;   // the scheduled look for new comments; replaced to cancel it
    this.waitingVisible = false;
    this.own = {};             // comment id -> the reader's own comment, as polled
    this.shown = {};           // comment id -> its <li>, so nothing shows twice
    this.replyForm = null;
    this.reportForm = null;
    this.generation = 0;       // bumped on reorder; late answers of the old order are dropped
    this.timers = {};          // pending setTimeout ids, cleared by destroy()
    this.cleanups = [];        // listeners on the page, removed by destroy()
    this.destroyed = false;
    this.host = host;
    // A shadow root cannot be taken off its host: mounting again after destroy() reuses it.
    this.root = host.shadowRoot || (host.attachShadow ? host.attachShadow({ mode: "open" }) : host);
    this.build();
    var self = this;
    // A hidden tab looks for nothing; back in view, it looks at once.
    this.listen(document, "visibilitychange", function () {
      if (document.visibilityState === "visible" && self.waitingVisible) {
        self.waitingVisible = false;
        self.refreshDelay = self.refreshMs;
        self.scheduleRefresh(0);
      }
    });
    this.restoreOwn();
    this.reload();
    if (options.token) this.identity.give(options.token).catch(function () { /* said on writing */ });
    else if (this.identity.session || options.getToken) this.identity.current().catch(function () {});
    this.showIdentity(this.identity.session);
  }

  /** Show who posts: a signed-in reader's name instead of the name field. */
  Widget.prototype.showIdentity = function (session) {
    var self = this;
    Array.prototype.forEach.call(this.root.querySelectorAll("form.compose, form.reply-form"), function (form) {
      form.querySelector(".name-field").hidden = !!session;
      var line = form.querySelector(".signed-in");
      line.hidden = !session;
      line.textContent = session ? self.t("postingAs", { name: session.user.name }) : "";
    });
  };

  /** Send a write with the reader's session, if any; when the service refuses the session
   * (expired, or from before a key rotation), or asks for one, renew it once and send again. */
  Widget.prototype.authorized = function (send) {
    var identity = this.identity;
    return identity.current().then(function (session) {
      return send(identity.headers(session), session).catch(function (problem) {
        var reason = (problem.data && problem.data.reason) || "";
        var renewable = /^session_/.test(reason) || reason === "token_required";
        if (problem.status !== 401 || !renewable) throw problem;
        return identity.renew().then(function (fresh) {
          if (!fresh) throw problem;
          return send(identity.headers(fresh), fresh);
        });
      });
    });
  };

  /** This widget's string for `key` ("status.held" reaches into a table), filled in. */
  Widget.prototype.t = function (key, values) {
    var found = key.split(".").reduce(function (table, part) {
      return table && table[part];
    }, this.strings);
    return fill(found === undefined ? key : found, values);
  };

  Widget.prototype.dateText = function (date) {
    return date.toLocaleString(this.locale, { dateStyle: "medium", timeStyle: "short" });
  };

  Widget.prototype.timeElement = function (value) {
    var date = parseDate(value);
    if (!date) return null;
    var full = this.dateText(date);
    return el("time", { datetime: date.toISOString(), title: full, text: this.relative(date, full) });
  };

  Widget.prototype.relative = function (date, full) {
    var seconds = Math.round((date.getTime() - Date.now()) / 1000);
    if (!window.Intl || !Intl.RelativeTimeFormat || Math.abs(seconds) > 7 * 86400) return full;
    var format = new Intl.RelativeTimeFormat(this.locale, { numeric: "auto" });
    var steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [Infinity, "day"]];
    var unit = 1;
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(seconds) < steps[i][0]) {
        if (steps[i][1] === "second") return format.format(0, "second");
        return format.format(Math.round(seconds / unit), steps[i][1]);
      }
      unit = steps[i][0];
    }
    return full;
  };

  Widget.prototype.explanation = function (status, reason) {
    var table = this.strings.explain;
    return table[status + ":" + reason] || table[status + ":*"] || "";
  };

  Widget.prototype.statusLabel = function (status) {
    return this.strings.status[status] || status;
  };

  /** setTimeout that destroy() cancels. */
  Widget.prototype.later = function (callback, delay) {
    var self = this;
    var id = window.setTimeout(function () {
      delete self.timers[id];
      if (!self.destroyed) callback();
    }, delay);
    this.timers[id] = true;
  };

  /** addEventListener on the page that destroy() removes. */
  Widget.prototype.listen = function (target, type, handler) {
    target.addEventListener(type, handler);
    this.cleanups.push(function () { target.removeEventListener(type, handler); });
  };

  /** Stop every request, timer and listener, and empty the host; mount() may use it again. */
  Widget.prototype.destroy = function () {
    if (this.destroyed) return;
    this.destroyed = true;
    var self = this;
    this.identity.listeners = this.identity.listeners.filter(function (widget) { return widget !== self; });
    if (this.aborter) this.aborter.abort();
    Object.keys(this.timers).forEach(function (id) { window.clearTimeout(Number(id)); });
    this.timers = {};
    this.cleanups.forEach(function (cleanup) { cleanup(); });
    this.cleanups = [];
    this.root.textContent = "";
    if (this.root !== this.host && "adoptedStyleSheets" in this.root) this.root.adoptedStyleSheets = [];
    this.host.classList.remove("moderation-comments");
  };

  Widget.prototype.build = function () {
    var self = this;
    this.addStyles();
    this.live = el("div", { className: "sr-only", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.orderButtons = {
      oldest: el("button", { type: "button", text: this.t("oldest"), onclick: function () { self.setOrder("oldest"); } }),
      newest: el("button", { type: "button", text: this.t("newest"), onclick: function () { self.setOrder("newest"); } })
    };
    this.title = el("h2", { id: "mw-title", text: this.t("title") });
    this.list = el("ol", { className: "comments", "aria-label": this.t("list"), "aria-busy": "true" });
    this.ownList = el("ol", { className: "comments own-comments", "aria-label": this.t("ownList"), hidden: true });
    this.status = el("p", { className: "loading", text: this.t("loading") });
    this.more = el("button", { type: "button", className: "more", hidden: true, text: this.t("loadMore"),
      onclick: function () { self.loadMore(); } });
    this.root.appendChild(el("section", { className: "widget", lang: this.locale, "aria-labelledby": "mw-title" }, [
      el("div", { className: "head" }, [
        this.title,
        el("div", { className: "order", role: "group", "aria-label": this.t("orderGroup") },
          [this.orderButtons.oldest, this.orderButtons.newest])
      ]),
      this.form(null),
      this.live,
      this.ownList,
      this.list,
      this.status,
      this.more
    ]));
    this.markOrder();
  };

  /** Constructed stylesheets where the browser has them: a page's CSP that forbids inline
   * <style> does not block those. */
  Widget.prototype.addStyles = function () {
    if (this.root !== this.host && "adoptedStyleSheets" in this.root && window.CSSStyleSheet) {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLES);
        this.root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) { /* older browser: fall back to a <style> element */ }
    }
    this.root.appendChild(el("style", { text: STYLES }));
  };

  Widget.prototype.announce = function (message) {
    var live = this.live;
    live.textContent = "";
    // A fresh text node after a tick, so the same message twice is read twice.
    this.later(function () { live.textContent = message; }, 50);
  };

  /** The heading: "12 comments" in the widget's language once the count is known. */
  Widget.prototype.showCount = function () {
    if (this.total === null) {
      this.title.textContent = this.t("title");
      return;
    }
    var form = "other";
    try { form = new Intl.PluralRules(this.locale).select(this.total); } catch (e) { /* "other" */ }
    var forms = this.strings.count;
    this.title.textContent = fill(forms[form] || forms.other, { n: this.total });
  };

  Widget.prototype.markOrder = function () {
    this.orderButtons.oldest.setAttribute("aria-pressed", String(this.order === "oldest"));
    this.orderButtons.newest.setAttribute("aria-pressed", String(this.order === "newest"));
  };

  Widget.prototype.setOrder = function (order) {
    if (order === this.order) return;
    this.order = order;
    save("order", order);
    this.markOrder();
    this.reload(this.t(order === "newest" ? "showingNewest" : "showingOldest"));
  };

  // ---- reading the published comments ----

  Widget.prototype.reload = function (message) {
    var self = this;
    var generation = ++this.generation;
    this.closeReply();
    this.closeReport();
    this.list.setAttribute("aria-busy", "true");
    this.more.hidden = true;
    this.cursor = null;
    this.refreshTurn = null;
    Object.keys(this.shown).forEach(function (id) {
      var item = self.shown[id];
      if (!item.classList.contains("own")) delete self.shown[id];
      // The reader's own reply leaves with its parent; keep it on screen, at the top.
      else if (self.list.contains(item)) self.ownList.appendChild(item);
    });
    this.ownList.hidden = !this.ownList.children.length;
    this.list.textContent = "";
    this.showStatus("loading", this.t("loading"));
    this.api.page(this.articleId, null, this.pageSize, this.order).then(function (answer) {
      if (generation !== self.generation) return;
      var page = answer.data;
      if (typeof page.total === "number") {
        self.total = page.total;
        self.showCount();
      }
      self.append(page.comments, page.next_cursor);
      self.latestId = page.latest_id || null;
      self.refreshDelay = self.refreshMs;
      self.scheduleRefresh(self.refreshMs);
      if (message) self.announce(message);
    }, function () {
      if (generation !== self.generation) return;
      self.loadFailed(function () { self.reload(message); });
    });
  };

  Widget.prototype.loadMore = function () {
    var self = this;
    var generation = this.generation;
    this.more.disabled = true;
    this.list.setAttribute("aria-busy", "true");
    this.api.page(this.articleId, this.cursor, this.pageSize, this.order).then(function (answer) {
      if (generation !== self.generation) return;
      self.focusFirst(self.append(answer.data.comments, answer.data.next_cursor));
    }, function () {
      if (generation !== self.generation) return;
      self.loadFailed(function () { self.loadMore(); });
    });
  };

  // ---- afterwards, only what is new ----

  /** Look for new comments in `delay` ms; a later call (or a reload) replaces this one. */
  Widget.prototype.scheduleRefresh = function (delay) {
    var self = this;
    var turn = this.refreshTurn = {};
    this.later(function () {
      if (turn !== self.refreshTurn) return;
      if (document.visibilityState === "hidden") {
        self.waitingVisible = true;
        return;
      }
      self.refresh(turn);
    }, delay);
  };

  /** Ask for what was published since the newest comment this widget knows of (or, before
   * there was any, the first page again, revalidated); show it; back off while nothing is. */
  Widget.prototype.refresh = function (turn) {
    var self = this;
    var generation = this.generation;
    var since = this.latestId;
    var asked = since ? this.api.page(this.articleId, null, 100, "oldest", since)
      : this.api.page(this.articleId, null, this.pageSize, this.order);
    asked.then(function (answer) {
      if (generation !== self.generation || turn !== self.refreshTurn) return;
      var page = answer.data;
      var fresh = !answer.unchanged && page.comments && page.comments.length > 0;
      if (fresh) {
        if (since) self.showNew(page.comments);
        else self.append(page.comments, page.next_cursor);
      }
      if (typeof page.total === "number" && page.total !== self.total) {
        self.total = page.total;
        self.showCount();
      }
      if (page.latest_id) self.latestId = page.latest_id;
      var more = since && page.next_cursor;
      self.refreshDelay = fresh ? self.refreshMs
        : Math.min(self.refreshMs * REFRESH_MAX_STEPS, self.refreshDelay * REFRESH_FACTOR);
      self.scheduleRefresh(more ? 0 : self.refreshDelay);
    }, function (problem) {
      if (generation !== self.generation || turn !== self.refreshTurn) return;
      // The comment `since` named is gone from the article: start again from the first page.
      if (problem.status === 422) return self.reload();
      self.refreshDelay = Math.min(self.refreshMs * REFRESH_MAX_STEPS, self.refreshDelay * REFRESH_FACTOR);
      self.scheduleRefresh(self.refreshDelay);
    });
  };

  /** Comments published since the last look, oldest first, each alone: a reply goes under its
   * parent (or the top of its thread) if that is on screen; a new top-level comment goes at
   * the top (newest first) or at the end (oldest first, once every page is loaded; before
   * that, "Load more" brings it in its place). The reader's own comment, published, says so. */
  Widget.prototype.showNew = function (comments) {
    var self = this;
    comments.forEach(function (comment) {
      var mine = self.own[comment.id];
      if (self.shown[comment.id]) {
        if (mine && mine.status !== "approved") self.decided(mine, "approved", null);
        return;
      }
      if (comment.parent_id) {
        var parent = self.shown[comment.parent_id] || self.shown[comment.thread_id];
        if (parent) self.addReply(parent, comment);
        return;
      }
      if (self.order === "newest") {
        var item = self.renderThread(comment);
        if (item) self.list.insertBefore(item, self.list.firstChild);
      } else if (!self.cursor) {
        var last = self.renderThread(comment);
        if (last) self.list.appendChild(last);
      }
    });
    this.adoptOwnReplies();
    if (this.list.children.length || this.ownList.children.length) this.hideStatus();
  };

  Widget.prototype.focusFirst = function (item) {
    if (item) {
      var article = item.querySelector("article");
      article.focus();
    }
    this.announce(this.t(item ? "moreLoaded" : "noMore"));
  };

  /** Show a page of threads; return the first new <li>, if any. */
  Widget.prototype.append = function (threads, nextCursor) {
    var self = this;
    var first = null;
    (threads || []).forEach(function (thread) {
      var item = self.renderThread(thread);
      if (item) {
        self.list.appendChild(item);
        first = first || item;
      }
    });
    this.adoptOwnReplies();
    this.cursor = nextCursor;
    this.more.hidden = !nextCursor;
    this.more.disabled = false;
    this.list.setAttribute("aria-busy", "false");
    var any = this.list.children.length || this.ownList.children.length;
    if (any) this.hideStatus();
    else this.showStatus("empty", this.t("empty"));
    return first;
  };

  /** The reader's own replies wait at the top until their parent is on screen; then they move. */
  Widget.prototype.adoptOwnReplies = function () {
    var self = this;
    Array.prototype.slice.call(this.ownList.children).forEach(function (item) {
      var parent = self.shown[item.getAttribute("data-parent-id")];
      if (parent && parent !== item) self.repliesOf(parent).appendChild(item);
    });
    this.ownList.hidden = !this.ownList.children.length;
  };

  Widget.prototype.loadFailed = function (retry) {
    var self = this;
    this.list.setAttribute("aria-busy", "false");
    this.more.disabled = false;
    this.status.hidden = false;
    this.status.className = "load-error";
    this.status.textContent = "";
    this.status.appendChild(document.createTextNode(this.t("loadFailed") + " "));
    this.status.appendChild(el("button", { type: "button", className: "link", text: this.t("tryAgain"),
      onclick: function () { self.hideStatus(); retry(); } }));
    this.announce(this.t("loadFailed"));
  };

  Widget.prototype.showStatus = function (kind, text) {
    this.status.hidden = false;
    this.status.className = kind;
    this.status.textContent = text;
  };

  Widget.prototype.hideStatus = function () {
    this.status.hidden = true;
  };

  /** A published comment with its published replies; null if it is already on screen. */
  Widget.prototype.renderThread = function (comment) {
    var self = this;
    var existing = this.shown[comment.id];
    if (existing) {
      // The reader's own comment, now published: it stays where it is, and its replies join it.
      (comment.replies || []).forEach(function (reply) { self.addReply(existing, reply); });
      return null;
    }
    var item = this.renderComment(comment, false);
    (comment.replies || []).forEach(function (reply) { self.addReply(item, reply); });
    return item;
  };

  Widget.prototype.addReply = function (parentItem, reply) {
    var item = this.renderThread(reply);
    if (item) this.repliesOf(parentItem).appendChild(item);
  };

  Widget.prototype.repliesOf = function (item) {
    var replies = item.querySelector(":scope > ol.replies");
    if (!replies) {
      replies = el("ol", { className: "replies", "aria-label": this.t("replies") });
      item.appendChild(replies);
    }
    return replies;
  };

  Widget.prototype.renderComment = function (comment, own) {
    var self = this;
    if (comment.removed) {
      // A top-level comment readers no longer see, kept as a placeholder for the published
      // replies under it: no author, no text, nothing to reply to or report.
      var gone = el("li", { className: "comment removed-comment", "data-comment-id": comment.id });
      gone.appendChild(el("article", { tabindex: "-1", "aria-label": this.t("removed") }, [
        el("p", { className: "removed", text: this.t("removed") })
      ]));
      this.shown[comment.id] = gone;
      return gone;
    }
    var name = (comment.author && comment.author.name) || this.t("anonymous");
    var item = el("li", { className: own ? "comment own" : "comment", "data-comment-id": comment.id,
      "data-parent-id": comment.parent_id || null });
    var replyButton = el("button", { type: "button", className: "link reply", text: this.t("reply"),
      "aria-label": this.t("replyTo", { name: name }),
      onclick: function () { self.openReply(item, comment.id, name, replyButton); } });
    // Readers report what others wrote, never their own comment.
    var reportButton = own ? null : this.reportButton(item, comment.id, name);
    // Its author may edit it within the site's window (the right is kept from posting it).
    var editButton = this.editRight(comment.id) ? el("button", { type: "button", className: "link edit",
      text: this.t("edit"), "aria-label": this.t("editComment"),
      onclick: function () { self.openEdit(item, comment, editButton); } }) : null;
    var byline = el("p", { className: "byline" }, [
      el("span", { className: "author", text: name }),
      own ? el("span", { className: "you", text: this.t("you") }) : null,
      this.timeElement(comment.created_at),
      comment.edited_at ? el("span", { className: "edited", text: this.t("edited") }) : null
    ]);
    var article = el("article", { tabindex: "-1", "aria-label": this.t("commentBy", { name: name }) }, [
      byline,
      el("p", { className: "text", text: comment.text }),
      el("div", { className: "actions" }, [replyButton, editButton, reportButton])
    ]);
    item.appendChild(article);
    this.shown[comment.id] = item;
    return item;
  };

  // ---- writing ----

  /** The form for a new comment (parentId null) or a reply. */
  Widget.prototype.form = function (parentId, parentName) {
    var self = this;
    var n = ++formCount;
    var me = author();
    var nameInput = el("input", { id: "mw-name-" + n, name: "name", type: "text", autocomplete: "name",
      required: true, "aria-required": "true", maxlength: LIMITS.maxNameLength });
    nameInput.value = me.name || "";
    var counter = el("span", { id: "mw-count-" + n, className: "counter" });
    var hint = el("span", { id: "mw-hint-" + n, text: this.t("hint") });
    var text = el("textarea", { id: "mw-text-" + n, name: "text", rows: "4", required: true,
      "aria-required": "true", "aria-describedby": "mw-hint-" + n + " mw-count-" + n });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    // The nudge: why the draft would be held or rejected, before it is posted (the site's
    // `nudge` setting); the author may rephrase, or post anyway.
    var nudge = el("div", { className: "nudge", role: "status", hidden: true });
    var submitLabel = this.t(parentId ? "postReply" : "postComment");
    var submit = el("button", { type: "submit", className: "primary", text: submitLabel });
    var title = parentId ? this.t("replyTo", { name: parentName }) : this.t("join");
    var form = el("form", { className: parentId ? "reply-form" : "compose", novalidate: true,
      "aria-labelledby": "mw-form-title-" + n }, [
      el("h3", { id: "mw-form-title-" + n, text: title }),
      el("div", { className: "field name-field", hidden: !!this.identity.session },
        [el("label", { "for": nameInput.id, text: this.t("yourName") }), nameInput]),
      el("p", { className: "signed-in", hidden: !this.identity.session,
        text: this.identity.session ? this.t("postingAs", { name: this.identity.session.user.name }) : "" }),
      el("div", { className: "field" }, [
        el("label", { "for": text.id, text: this.t(parentId ? "yourReply" : "yourComment") }),
        text,
        el("div", { className: "meta" }, [hint, counter])
      ]),
      error,
      nudge,
      el("div", { className: "actions" }, [
        submit,
        parentId ? el("button", { type: "button", className: "secondary", text: this.t("cancel"),
          onclick: function () { self.closeReply(true); } }) : null
      ])
    ]);
    var state = { busy: false, key: null, nudged: null };

    function clearNudge() {
      state.nudged = null;
      nudge.hidden = true;
      nudge.textContent = "";
      if (!state.busy) submit.textContent = submitLabel;
    }
    function showNudge(answer) {
      var items = answer.reasons.map(function (code) {
        var words = self.strings.nudge[code] || self.strings.nudge["*"];
        return el("li", { "data-reason": code, text: words });
      });
      nudge.textContent = "";
      nudge.appendChild(el("p", { className: "nudge-title", text: self.t("nudgeTitle") }));
      nudge.appendChild(el("p", { text: self.t(answer.outcome === "reject" ? "nudgeRejected" : "nudgeHeld") }));
      nudge.appendChild(el("ul", {}, items));
      nudge.appendChild(el("p", { text: self.t("nudgeChoice") }));
      nudge.hidden = false;
      submit.textContent = self.t("postAnyway");
    }

    function count() {
      var used = length(text.value);
      var over = used - LIMITS.maxLength;
      counter.textContent = self.t("counter", { used: used, max: LIMITS.maxLength }) +
        (over > 0 ? self.t("tooMany", { over: over }) : "");
      counter.classList.toggle("over", over > 0);
    }
    function fail(message, field) {
      error.textContent = message;
      error.hidden = false;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }
    text.addEventListener("input", function () {
      count();
      if (state.nudged !== null && text.value.replace(/\s+$/, "") !== state.nudged) clearNudge();
      text.removeAttribute("aria-invalid");
      // Different words are a different comment: a new submission, a new key.
      if (!state.busy) state.key = null;
    });
    nameInput.addEventListener("input", function () {
      nameInput.removeAttribute("aria-invalid");
      if (!state.busy) state.key = null;
    });
    nameInput.addEventListener("change", function () {
      var me = author();
      me.name = nameInput.value.trim();
      save("author", me);
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && parentId) self.closeReply(true);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (state.busy) return;
      error.hidden = true;
      var signedIn = self.identity.session;
      var name = signedIn ? signedIn.user.name : nameInput.value.trim();
      var body = text.value.replace(/\s+$/, "");
      if (!name) return fail(self.t("needName"), nameInput);
      if (length(name) > LIMITS.maxNameLength) return fail(self.t("nameTooLong", { max: LIMITS.maxNameLength }), nameInput);
      if (!body.trim()) return fail(self.t("needText"), text);
      if (length(body) > LIMITS.maxLength) {
        return fail(self.t("textTooLong", { n: length(body), max: LIMITS.maxLength }), text);
      }
      var me = author();
      if (!signedIn) {
        me.name = name;
        save("author", me);
      }
      // One key per submission: a double click or a retry after a lost answer posts once.
      state.key = state.key || randomId();
      state.busy = true;
      submit.disabled = true;
      submit.textContent = self.t("posting");
      var shownName = name;
      var nudgedAlready = state.nudged === body;
      function draftFor(session) {
        var sent = { text: body, parent_id: parentId };
        if (!session) sent.author = { id: me.id, name: name };
        return sent;
      }
      function finish() {
        state.busy = false;
        submit.disabled = false;
        submit.textContent = state.nudged === body ? self.t("postAnyway") : submitLabel;
      }
      function send() {
        return self.authorized(function (headers, session) {
          // With a session the service takes the reader from it; the body names nobody.
          shownName = session ? session.user.name : name;
          return self.api.post(self.articleId, draftFor(session), state.key, headers);
        })
          .then(function (answer) {
            state.key = null;
            text.value = "";
            count();
            clearNudge();
            self.rememberEdit(answer.id, answer.edit_token || null, answer.editable_until);
            self.posted({ id: answer.id, status: answer.status, reason_code: answer.reason_code,
              parent_id: answer.parent_id || parentId || null, created_at: answer.created_at,
              status_url: answer.status_url, author: { name: shownName }, text: body });
          }, function (problem) {
            fail(self.postError(problem), null);
            text.focus();
          });
      }
      // Ask first, unless the author saw the nudge for these very words (then: post anyway),
      // or the site does not nudge. A pre-check that fails never stops a comment.
      var checked = nudgedAlready || self.nudgeOff ? Promise.resolve(null) :
        self.authorized(function (headers, session) {
          return self.api.precheck(self.articleId, draftFor(session), headers);
        }).catch(function () { return null; });
      checked.then(function (answer) {
        if (answer && answer.enabled === false) self.nudgeOff = true;
        if (answer && answer.nudge && answer.reasons && answer.reasons.length) {
          state.nudged = body;
          showNudge(answer);
          text.focus();
          return null;
        }
        return send();
      }).then(finish, finish);
    });
    count();
    form.focusFirst = function () { (nameInput.value ? text : nameInput).focus(); };
    return form;
  };

  Widget.prototype.postError = function (problem) {
    if (!problem.status) return this.t("unreachable");
    if (problem.status === 401) return this.t("signInNeeded");
    if (problem.status === 413) return this.t("tooLarge");
    if (problem.status === 429) return this.t("tooFast");
    if (problem.status >= 500) return this.t("serverError");
    return this.t("notPosted", { message: problem.message });
  };

  Widget.prototype.openReply = function (item, parentId, parentName, button) {
    this.closeReply();
    this.closeReport();
    var form = this.form(parentId, parentName);
    form.mwOpener = button;
    item.querySelector("article").appendChild(form);
    this.replyForm = form;
    button.setAttribute("aria-expanded", "true");
    form.focusFirst();
  };

  Widget.prototype.closeReply = function (restoreFocus) {
    var form = this.replyForm;
    if (!form) return;
    this.replyForm = null;
    if (form.parentNode) form.parentNode.removeChild(form);
    form.mwOpener.setAttribute("aria-expanded", "false");
    if (restoreFocus) form.mwOpener.focus();
  };

  // ---- reporting another reader's comment ----

  function reportedIds() {
    var ids = load("reported", []);
    return Array.isArray(ids) ? ids : [];
  }

  Widget.prototype.reportButton = function (item, commentId, name) {
    var self = this;
    var done = reportedIds().indexOf(commentId) !== -1;
    var button = el("button", { type: "button", className: "link report",
      text: this.t(done ? "reported" : "report"), disabled: done,
      "aria-label": done ? null : this.t("reportComment", { name: name }),
      onclick: function () { self.openReport(item, commentId, button); } });
    return button;
  };

  /** The reasons, an optional note, send: POST /v1/comments/<id>/reports. */
  Widget.prototype.openReport = function (item, commentId, button) {
    var self = this;
    this.closeReply();
    this.closeReport();
    var n = ++formCount;
    var choices = REPORT_REASONS.map(function (reason) {
      var input = el("input", { type: "radio", name: "mw-reason-" + n, value: reason, id: "mw-reason-" + n + "-" + reason });
      return el("label", { className: "choice", "for": input.id }, [input, self.t("reasons." + reason)]);
    });
    var note = el("textarea", { id: "mw-note-" + n, name: "note", rows: "2", maxlength: "1000" });
    var error = el("p", { className: "error", role: "alert", hidden: true });
    var send = el("button", { type: "submit", className: "primary", text: this.t("sendReport") });
    var form = el("form", { className: "report-form", novalidate: true }, [
      el("fieldset", {}, [el("legend", { text: this.t("reportTitle") })].concat(choices)),
      el("div", { className: "field" }, [el("label", { "for": note.id, text: this.t("reportNote") }), note]),
      error,
      el("div", { className: "actions" }, [
        send,
        el("button", { type: "button", className: "secondary", text: this.t("cancel"),
          onclick: function () { self.closeReport(true); } })
      ])
    ]);
    form.mwOpener = button;
    function fail(message) {
      error.textContent = message;
      error.hidden = false;
    }
    function finished(message) {
      var ids = reportedIds().filter(function (id) { return id !== commentId; });
      ids.push(commentId);
      save("reported", ids.slice(-KEEP_REPORTED));
      self.closeReport();
      button.textContent = self.t("reported");
      button.disabled = true;
      button.removeAttribute("aria-label");
      var thanks = el("p", { className: "report-done", role: "status", text: message });
      item.querySelector("article").appendChild(thanks);
    }
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") self.closeReport(true);
    });
    form.addEventListener("change", function () { error.hidden = true; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (send.disabled) return;
      var picked = form.querySelector("input[type=radio]:checked");
      if (!picked) {
        fail(self.t("needReason"));
        form.querySelector("input[type=radio]").focus();
        return;
      }
      error.hidden = true;
      send.disabled = true;
      send.textContent = self.t("sending");
      var body = reporter();
      body.reason = picked.value;
      body.note = note.value.trim() || null;
      self.authorized(function (headers) {
        return self.api.report(commentId, body, headers);
      }).then(function () {
        finished(self.t("reportThanks"));
      }, function (problem) {
        send.disabled = false;
        send.textContent = self.t("sendReport");
        if (problem.status === 409) return finished(self.t("reportAgain"));
        if (problem.status === 404) return fail(self.t("reportGone"));
        if (problem.status === 429) return fail(self.t("reportTooFast"));
        if (!problem.status) return fail(self.t("reportUnreachable"));
        if (problem.status === 401) return fail(self.t("signInNeeded"));
        fail(self.t("reportFailed", { message: problem.message }));
      });
    });
    item.querySelector("article").appendChild(form);
    this.reportForm = form;
    button.setAttribute("aria-expanded", "true");
    form.querySelector("input[type=radio]").focus();
  };

  Widget.prototype.closeReport = function (restoreFocus) {
    var form = this.reportForm;
    if (!form) return;
    this.reportForm = null;
    if (form.parentNode) form.parentNode.removeChild(form);
    form.mwOpener.setAttribute("aria-expanded", "false");
    if (restoreFocus) form.mwOpener.focus();
  };

  // ---- the reader's own comments: awaiting moderation, then decided ----

  Widget.prototype.posted = function (comment) {
    this.closeReply();
    var item = this.showOwn(comment);
    this.remember(comment);
    this.hideStatus();
    item.querySelector("article").focus();
    this.announce(this.t("sent", { status: this.statusLabel("pending") }));
    this.poll(comment, POLL_FIRST_MS, Date.now());
  };

  /** Put the reader's comment on screen: under its parent if that is shown, else at the top. */
  Widget.prototype.showOwn = function (comment) {
    this.own[comment.id] = comment;
    var item = this.renderComment(comment, true);
    var parent = comment.parent_id && this.shown[comment.parent_id];
    if (parent) this.repliesOf(parent).appendChild(item);
    else this.ownList.insertBefore(item, this.ownList.firstChild);
    this.ownList.hidden = !this.ownList.children.length;
    this.setOwnStatus(item, comment.status, comment.reason_code);
    return item;
  };

  Widget.prototype.setOwnStatus = function (item, status, reason) {
    var article = item.querySelector("article");
    item.setAttribute("data-status", status);
    var badge = article.querySelector(".badge");
    if (!badge) {
      badge = el("span", { className: "badge" });
      article.querySelector(".byline").appendChild(badge);
    }
    badge.textContent = this.statusLabel(status);
    var explain = article.querySelector(".explain");
    var words = status === "approved" ? "" : this.explanation(status, reason || "");
    if (!explain) {
      explain = el("p", { className: "explain" });
      article.insertBefore(explain, article.querySelector(".actions"));
    }
    explain.textContent = words;
    explain.hidden = !words;
    // Only a published comment can be replied to.
    article.querySelector(".reply").hidden = status !== "approved";
  };

  Widget.prototype.poll = function (comment, delay, started) {
    var self = this;
    this.later(function () {
      if (document.hidden) {
        // Not while the tab is in the background; look again as soon as it is back.
        var again = function () {
          document.removeEventListener("visibilitychange", again);
          self.poll(comment, 0, started);
        };
        self.listen(document, "visibilitychange", again);
        return;
      }
      self.api.status(comment.id).then(function (answer) {
        self.decided(comment, answer.status, answer.reason_code);
        // Only a pending comment is polled on: held waits for a person, which takes minutes
        // or hours, so the widget stops and says so; if a moderator publishes it, the look for
        // new comments brings it (showNew), and the next page view asks once again.
        if (answer.status === "pending") self.pollAgain(comment, delay, started);
      }, function (problem) {
        if (problem.status === 404) return self.vanished(comment);
        self.pollAgain(comment, delay, started);
      });
    }, delay);
  };

  Widget.prototype.pollAgain = function (comment, delay, started) {
    if (Date.now() - started > POLL_GIVE_UP_MS) return;
    var next = Math.min(POLL_MAX_MS, Math.max(POLL_FIRST_MS, delay * POLL_FACTOR));
    this.poll(comment, next, started);
  };

  Widget.prototype.decided = function (comment, status, reason) {
    if (status === comment.status && (reason || null) === (comment.reason_code || null)) return;
    comment.status = status;
    comment.reason_code = reason || null;
    var item = this.shown[comment.id];
    if (item) this.setOwnStatus(item, status, reason);
    if (status === "approved") {
      this.forget(comment.id);
      // An edited comment was counted when it was first published.
      if (this.total !== null && !comment.edited) {
        this.total += 1;
        this.showCount();
      }
      this.announce(this.t("publishedNow"));
    } else {
      this.remember(comment);
      var words = this.explanation(status, reason || "");
      if (status === "held") this.announce(this.t("heldNow", { explain: words }));
      if (status === "rejected") this.announce(words);
    }
  };

  /** The service no longer knows the comment (deleted, or another database): drop it. */
  Widget.prototype.vanished = function (comment) {
    var item = this.shown[comment.id];
    if (item && item.parentNode) item.parentNode.removeChild(item);
    delete this.shown[comment.id];
    this.forget(comment.id);
    this.ownList.hidden = !this.ownList.children.length;
  };

  // Own comments not yet published are kept per article, so a reload still shows them.
  Widget.prototype.remember = function (comment) {
    var own = load("own:" + this.articleId, []).filter(function (c) { return c.id !== comment.id; });
    own.push({ id: comment.id, parent_id: comment.parent_id, created_at: comment.created_at,
      author: comment.author, text: comment.text, status: comment.status,
      reason_code: comment.reason_code, saved_at: Date.now() });
    save("own:" + this.articleId, own);
  };

  Widget.prototype.forget = function (id) {
    save("own:" + this.articleId, load("own:" + this.articleId, []).filter(function (c) { return c.id !== id; }));
  };

  Widget.prototype.restoreOwn = function () {
    var self = this;
    var now = Date.now();
    var own = load("own:" + this.articleId, []);
    if (!Array.isArray(own)) own = [];
    own = own.filter(function (c) { return c && typeof c.id === "number" && now - (c.saved_at || 0) < KEEP_OWN_MS; });
    save("own:" + this.articleId, own);
    own.forEach(function (comment) {
      // Replies go at the top here: their parents are not on screen yet.
      self.showOwn(comment);
      if (comment.status !== "rejected") self.poll(comment, 0, now);
    });
  };

  // ---- editing one's own comment ----

  /** Keep the right to edit a comment until the service's `editable_until`: an anonymous
   * author's edit token, or null when the reader's session proves it. */
  Widget.prototype.rememberEdit = function (id, token, until) {
    var ends = parseDate(until);
    if (!ends) return;
    var now = Date.now();
    var rights = load("edits:" + this.articleId, {});
    if (!rights || typeof rights !== "object") rights = {};
    Object.keys(rights).forEach(function (key) { if (!(rights[key].until > now)) delete rights[key]; });
    rights[id] = { token: token, until: ends.getTime() };
    save("edits:" + this.articleId, rights);
  };

  Widget.prototype.editRight = function (id) {
    var rights = load("edits:" + this.articleId, {});
    var right = rights && rights[id];
    return right && right.until > Date.now() ? right : null;
  };

  Widget.prototype.openEdit = function (item, comment, button) {
    var self = this;
    var article = item.querySelector("article");
    if (article.querySelector("form.edit-form")) return;
    var paragraph = article.querySelector(".text");
    var text = el("textarea", { className: "edit-text", rows: "4", "aria-label": this.t("editComment") });
    text.value = paragraph.textContent;
    var error = el("p", { className: "error", role: "alert", hidden: true });
    var saveButton = el("button", { type: "submit", className: "primary", text: this.t("save") });
    var form = el("form", { className: "edit-form", novalidate: true }, [
      text,
      error,
      el("div", { className: "actions" }, [saveButton,
        el("button", { type: "button", className: "secondary", text: this.t("cancel"),
          onclick: function () { close(true); } })])
    ]);
    function close(restoreFocus) {
      if (form.parentNode) form.parentNode.removeChild(form);
      paragraph.hidden = false;
      button.hidden = !self.editRight(comment.id);
      if (restoreFocus && !button.hidden) button.focus();
    }
    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      saveButton.disabled = false;
      saveButton.textContent = self.t("save");
    }
    paragraph.hidden = true;
    button.hidden = true;
    article.insertBefore(form, paragraph.nextSibling);
    text.focus();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = text.value;
      var right = self.editRight(comment.id);
      if (!right) return fail(self.t("editClosed"));
      if (!body.trim()) return fail(self.t("needText"));
      if (length(body) > LIMITS.maxLength) {
        return fail(self.t("textTooLong", { n: length(body), max: LIMITS.maxLength }));
      }
      saveButton.disabled = true;
      saveButton.textContent = self.t("saving");
      self.api.status(comment.id).then(function (current) {
        var sent = { text: body, version: current.version };
        if (right.token) {
          sent.edit_token = right.token;
          return self.api.edit(comment.id, sent, {});
        }
        return self.authorized(function (headers) { return self.api.edit(comment.id, sent, headers); });
      }).then(function (answer) {
        paragraph.textContent = body;
        close(false);
        comment.text = body;
        comment.status = answer.status;
        comment.reason_code = answer.reason_code || null;
        comment.edited = true;
        item.classList.add("own");
        self.own[comment.id] = comment;
        self.setOwnStatus(item, answer.status, answer.reason_code);
        self.remember(comment);
        article.focus();
        self.announce(self.t("editSent"));
        self.poll(comment, POLL_FIRST_MS, Date.now());
      }, function (problem) {
        var errors = JSON.stringify((problem.data && problem.data.errors) || {});
        if (problem.status === 422 && errors.indexOf("edit_window_seconds") >= 0) {
          return fail(self.t("editClosed"));
        }
        fail(problem.status && problem.status < 500 && problem.status !== 429
          ? self.t("notEdited", { message: problem.message }) : self.postError(problem));
      });
    });
  };

  // ---- mounting: by script tag, or by the page's own code ----------------------------

  // host element -> its Widget. A WeakMap, so a host the page throws away is not kept alive.
  var mounted = new WeakMap();
  // The widgets mounted now, for setToken (a WeakMap cannot be walked).
  var live = [];

  function hostOf(target) {
    var host = typeof target === "string" ? document.getElementById(target) : target;
    if (!host || host.nodeType !== 1) throw new Error("ModerationComments: no element " + target);
    return host;
  }

  /** Render the comments of `options.articleId` into `target` (an element or its id); a
   * widget already there is destroyed first. Returns { element, destroy() }. */
  function mount(target, options) {
    options = options || {};
    var host = hostOf(target);
    if (!options.articleId) throw new Error("ModerationComments.mount needs options.articleId");
    var apiBase = options.apiBase || SCRIPT_BASE;
    if (!apiBase) throw new Error("ModerationComments.mount needs options.apiBase");
    destroy(host);
    var size = parseInt(options.pageSize || "", 10);
    var refreshMs = parseInt(options.refreshMs || host.getAttribute("data-refresh-ms") || "", 10);
    host.classList.add("moderation-comments");
    var widget = new Widget(host, {
      articleId: String(options.articleId),
      apiBase: apiBase,
      pageSize: size >= 1 && size <= 100 ? size : DEFAULT_PAGE_SIZE,
      locale: options.locale,
      site: options.site || host.getAttribute("data-site") || null,
      token: options.token || host.getAttribute("data-token") || null,
      getToken: typeof options.getToken === "function" ? options.getToken : null,
      refreshMs: refreshMs >= 1 ? refreshMs : REFRESH_MS
    });
    mounted.set(host, widget);
    live.push(widget);
    return {
      element: host,
      destroy: function () { destroy(host); },
      setToken: function (token) { return setToken(token, host); }
    };
  }

  /** Give the widgets a new SSO token (a reader signed in, or their token was renewed): every
   * widget of the page, or only the one in `target`. A falsy token signs the reader out. */
  function setToken(token, target) {
    var widgets = target ? [mounted.get(hostOf(target))] : live;
    var seen = [];
    widgets.forEach(function (widget) {
      if (!widget || seen.indexOf(widget.identity) !== -1) return;
      seen.push(widget.identity);
      widget.identity.give(token).catch(function () { /* said when the reader writes */ });
    });
  }

  /** Stop the widget in `target` (requests, polling, timers) and empty it. */
  function destroy(target) {
    var host = hostOf(target);
    var widget = mounted.get(host);
    if (!widget) return false;
    mounted.delete(host);
    live = live.filter(function (other) { return other !== widget; });
    widget.destroy();
    return true;
  }

  function mountScript(script) {
    if (!script || script.getAttribute("data-moderation-mounted")) return;
    var articleId = script.getAttribute("data-article-id");
    if (!articleId) return;  // loaded by a page that mounts the widget itself
    script.setAttribute("data-moderation-mounted", "true");
    var targetId = script.getAttribute("data-target");
    var host = targetId && document.getElementById(targetId);
    if (!host) {
      host = document.createElement("div");
      if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(host, script.nextSibling);
      else document.body.appendChild(host);
    }
    mount(host, {
      articleId: articleId,
      apiBase: script.getAttribute("data-api-base") || new URL(".", script.src).href,
      pageSize: script.getAttribute("data-page-size"),
      locale: script.getAttribute("data-locale"),
      site: script.getAttribute("data-site"),
      token: script.getAttribute("data-token"),
      refreshMs: script.getAttribute("data-refresh-ms")
    });
  }

  /** Mount every widget script tag not mounted yet. */
  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("script[data-article-id][src]"), function (script) {
      if (/\/widget\.js(\?|#|$)/.test(script.src)) mountScript(script);
    });
  }

  window.ModerationComments = { mount: mount, destroy: destroy, scan: scan, setToken: setToken,
    languages: LANGUAGES.slice() };
  if (current && current.src) mountScript(current);
  else scan();
  window.dispatchEvent(new CustomEvent("moderation-comments:ready"));
})();
