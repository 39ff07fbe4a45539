"""Small files of each accepted upload type, recognisable by their magic bytes."""

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x22" * 200


WEBP = b"RIFF\xd0\x00\x00\x00WEBPVP8 " + b"\x33" * 200


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"\x44" * 200
