"""`upik backup` / `upik restore`: one .tar.gz holding a consistent database
snapshot, the uploads and the generated keys, with a manifest of table row
counts and file checksums that restore checks."""
