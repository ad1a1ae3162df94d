//! Hostile uploads, built in the test rather than kept as files: an xlsx
//! whose sheet claims the whole grid, and xlsx zip bombs whose sheet XML
//! inflates to gigabytes (honestly declared, or declared small).
//!
//! The archives are written by hand (stored parts, one raw deflate stream)
//! so a test controls exactly what the zip directory claims.

/// A 5 KB workbook with `户编号` in A1 and one cell at XFD1048576, the last
/// cell of a sheet: its `<dimension ref="A1:XFD1048576">` made calamine
/// allocate 512 GiB and abort the process.
pub fn huge_dimension_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "户编号").expect("A1");
    sheet.write_string(0, 1, "身份证号").expect("B1");
    sheet.write_string(1_048_575, 16_383, "x").expect("XFD1048576");
    book.save_to_buffer().expect("an xlsx in memory")
}

/// A workbook whose first sheet's XML inflates to `inflated_mib` MiB of
/// zeros from about a thousandth of that. The zip directory declares
/// `declared` bytes for it: the true size, or a lie (`Some(1_000)`).
pub fn zip_bomb_xlsx(inflated_mib: usize, declared: Option<u32>) -> Vec<u8> {
    let bomb = zeros_deflated(inflated_mib);
    let true_size = u32::try_from((inflated_mib as u64) << 20).unwrap_or(u32::MAX);
    let mut parts: Vec<Part> = workbook_parts().into_iter().map(|(name, data)| Part::stored(name, data)).collect();
    parts.push(Part {
        name: "xl/worksheets/sheet1.xml",
        method: 8,
        crc: 0,
        size: declared.unwrap_or(true_size),
        data: bomb,
    });
    zip(&parts)
}

/// A workbook with one sheet of the given XML (and shared strings, if
/// given), every part stored.
pub fn xlsx_with_sheet(sheet_xml: &str, shared_strings: Option<&str>) -> Vec<u8> {
    let mut parts: Vec<Part> = workbook_parts().into_iter().map(|(name, data)| Part::stored(name, data)).collect();
    if let Some(xml) = shared_strings {
        parts.push(Part::stored("xl/sharedStrings.xml", xml.as_bytes().to_vec()));
    }
    parts.push(Part::stored("xl/worksheets/sheet1.xml", sheet_xml.as_bytes().to_vec()));
    zip(&parts)
}

/// A sheet's XML around the given `<sheetData>` rows.
pub fn sheet_xml(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// The parts of a workbook with one sheet, `xl/worksheets/sheet1.xml`.
fn workbook_parts() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec(),
        ),
    ]
}

/// A raw deflate stream of `mib` MiB of zeros: one MiB compressed once and
/// ended with a sync flush (so it is byte-aligned and can be repeated),
/// repeated, then a final empty block.
fn zeros_deflated(mib: usize) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let input = vec![0u8; 1 << 20];
    let mut segment = Vec::with_capacity(1 << 16);
    let mut consumed = 0;
    while consumed < input.len() {
        segment.reserve(1 << 16);
        let before = compress.total_in();
        compress.compress_vec(&input[consumed..], &mut segment, flate2::FlushCompress::None).expect("deflate");
        consumed += (compress.total_in() - before) as usize;
    }
    loop {
        segment.reserve(1 << 16);
        let before = segment.len();
        compress.compress_vec(&[], &mut segment, flate2::FlushCompress::Sync).expect("deflate");
        if segment.len() == before || segment.ends_with(&[0, 0, 0xFF, 0xFF]) {
            break;
        }
    }
    let mut stream = Vec::with_capacity(segment.len() * mib + 2);
    for _ in 0..mib {
        stream.extend_from_slice(&segment);
    }
    stream.extend_from_slice(&[0x03, 0x00]);
    stream
}

struct Part {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    /// The uncompressed size the archive declares.
    size: u32,
    data: Vec<u8>,
}

impl Part {
    fn stored(name: &'static str, data: Vec<u8>) -> Part {
        Part { name, method: 0, crc: crc32(&data), size: data.len() as u32, data }
    }
}

/// A zip archive of the parts, local headers and central directory agreeing.
fn zip(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for part in parts {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&part.method.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&0x21u16.to_le_bytes());
            h.extend_from_slice(&part.crc.to_le_bytes());
            h.extend_from_slice(&(part.data.len() as u32).to_le_bytes());
            h.extend_from_slice(&part.size.to_le_bytes());
            h.extend_from_slice(&(part.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central {
                h.extend_from_slice(&[0; 6]);
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(part.name.as_bytes());
            h
        };
        out.extend_from_slice(&header(0x0403_4b50, false));
        out.extend_from_slice(&part.data);
        central.extend_from_slice(&header(0x0201_4b50, true));
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// CRC-32 (IEEE), bit by bit: the parts are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
