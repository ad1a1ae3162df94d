//! The bank's side of a payment test: the return (回盘文件) a bank would send
//! for an exported 一卡通 file (GBK CSV), every line 成功 but those whose
//! amount is named in `failed`, which fail with the reason given.

/// The return of an exported GBK file, the lines of `failed` amounts
/// (`"680.00"`) failing with their reason.
pub fn bank_return(file: &[u8], failed: &[(&str, &str)]) -> Vec<u8> {
    let (text, _, _) = encoding_rs::GBK.decode(file);
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with("序号") {
                format!("{line},处理结果,失败原因")
            } else if line.starts_with("合计") {
                line.to_string()
            } else {
                match failed.iter().find(|(amount, _)| line.contains(&format!(",{amount},"))) {
                    Some((_, reason)) => format!("{line},失败,{reason}"),
                    None => format!("{line},成功,"),
                }
            }
        })
        .collect();
    encoding_rs::GBK.encode(&(lines.join("\r\n") + "\r\n")).0.into_owned()
}
