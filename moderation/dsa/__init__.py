"""The EU Digital Services Act: notices of illegal content (art. 16) in their own queue, the
statement of reasons on a restricted comment's public status (art. 17), authors' appeals
(art. 20) in their own queue, and the transparency report (art. 15 and 24). docs/dsa.md."""
