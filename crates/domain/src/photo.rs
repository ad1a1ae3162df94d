//! What a survey photo is, told by its content rather than by what the
//! uploading browser claims (security-sensitive).
//!
//! A file served from the application's origin runs with the viewer's
//! session if a browser treats it as a document: an SVG with a script, an
//! HTML page named `home.jpg`. So a photo is accepted only when its first
//! bytes are those of a JPEG, PNG or WebP image, and it is stored and
//! served with the type its bytes show.

/// The image types a survey photo may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

/// Largest survey photo accepted: 10 MB, more than a phone camera's JPEG.
pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;

impl ImageType {
    /// The type of an image by its magic bytes; `None` for anything else
    /// (SVG, HTML, GIF, PDF, text, an empty or truncated file).
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }

    /// The media type to store and serve.
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// The file-name extension for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
            ImageType::Webp => "webp",
        }
    }
}

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    /// Not a JPEG, PNG or WebP image by its content.
    NotAnImage,
    /// Larger than [`PHOTO_MAX_BYTES`].
    TooLarge,
}

/// Checks an uploaded photo: its size, then its content.
pub fn check_photo(bytes: &[u8]) -> Result<ImageType, PhotoError> {
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    ImageType::sniff(bytes).ok_or(PhotoError::NotAnImage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(bytes: &[u8], expect: Option<ImageType>) {
        assert_eq!(ImageType::sniff(bytes), expect, "{:?}", String::from_utf8_lossy(bytes));
    }

    #[test]
    fn images_by_their_magic_bytes() {
        check(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'], Some(ImageType::Jpeg));
        check(&[0xFF, 0xD8, 0xFF, 0xE1], Some(ImageType::Jpeg));
        check(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(ImageType::Png));
        check(b"RIFF\x24\0\0\0WEBPVP8 ", Some(ImageType::Webp));
    }

    #[test]
    fn anything_else_is_not_a_photo() {
        check(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", None);
        check(b"<?xml version=\"1.0\"?><svg/>", None);
        check(b"<html><script>alert(1)</script></html>", None);
        check(b"GIF89a\x01\0\x01\0", None);
        check(b"%PDF-1.7", None);
        check(b"RIFF\x24\0\0\0WAVEfmt ", None);
        check(b"RIFF", None);
        check(&[0xFF, 0xD8], None);
        check(b"\x89PNG", None);
        check(b"", None);
        // A JPEG signature after leading junk is still not a JPEG.
        check(b" \xFF\xD8\xFF", None);
    }

    #[test]
    fn size_is_checked_before_content() {
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(PHOTO_MAX_BYTES, 0);
        assert_eq!(check_photo(&big), Ok(ImageType::Jpeg));
        big.push(0);
        assert_eq!(check_photo(&big), Err(PhotoError::TooLarge));
        assert_eq!(check_photo(b"<svg/>"), Err(PhotoError::NotAnImage));
    }
}
