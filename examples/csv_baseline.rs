//! The practical limit for the validator: how fast the `csv` crate alone reads a file (every
//! record as UTF-8 text, every field touched), for bench/validate_speed.sh to compare with
//! `machi opendata validate` on the same file.
//!
//! cargo run --release --example csv_baseline -- FILE

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_baseline FILE")?;
    let started = std::time::Instant::now();
    let file = std::fs::File::open(&path)?;
    let size = file.metadata()?.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(256 * 1024, file));
    let mut record = csv::StringRecord::new();
    let (mut rows, mut chars) = (0u64, 0u64);
    while reader.read_record(&mut record)? {
        rows += 1;
        chars += record.iter().map(|f| f.len() as u64).sum::<u64>();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {rows}, \"bytes\": {size}, \"field_bytes\": {chars}, \"seconds\": {secs:.4}, \"mb_per_s\": {:.1}}}",
        size as f64 / 1e6 / secs
    );
    Ok(())
}
