//! Charts: SVG drawn at build time with plotters' SVG backend, so the
//! metrics pages work offline, in print and in e-mail, with no script.
//!
//! Input: categories (months, quarters) and series of values. Output: an
//! `<svg>` string that is accessible — `role="img"`, a `<title>` and a
//! `<desc>` referenced by `aria-labelledby` — for a page that also shows the
//! same numbers as a data table beside the chart.
//!
//! plotters draws the geometry (scales, ticks, labels, bars, lines, legend);
//! it has no notion of SVG accessibility, so the title and description are
//! added to its root element here. Its text is escaped by plotters itself.

use anyhow::{Result, anyhow};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pixel size of a chart; CSS scales it to its column. Charts with many
/// categories (months over years) are drawn wide, for a full-width column.
const WIDTH: u32 = 560;
const WIDE_WIDTH: u32 = 1040;
const HEIGHT: u32 = 300;
/// Height of the legend strip above the plot.
const LEGEND_HEIGHT: u32 = 26;

/// Whether a chart of this many categories is drawn wide.
pub fn is_wide(categories: usize) -> bool {
    categories > 16
}

/// Colours of series, chosen to stay distinct for common colour blindness
/// (Okabe–Ito), used in order unless a series names its own.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];

/// Severity colours, worst first, matching the theme's badges.
pub const SEVERITY_COLOURS: [RGBColor; 4] = [
    RGBColor(0xd1, 0x3b, 0x40),
    RGBColor(0xe6, 0x7a, 0x2e),
    RGBColor(0xd9, 0xa2, 0x1b),
    RGBColor(0x6f, 0x8f, 0xb5),
];

/// Colour of "unrated" and "other" series.
pub const GREY: RGBColor = RGBColor(0x9a, 0xa3, 0xad);

/// What a chart shows, in words, for its title, description and axes.
pub struct ChartSpec<'a> {
    /// Unique within the page; prefixes the ids of `<title>` and `<desc>`.
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence or two saying what the chart shows and what stands out.
    pub description: &'a str,
    /// Labels along the x axis, one per bar or point.
    pub categories: &'a [String],
    /// What the y axis counts.
    pub y_label: &'a str,
}

/// One named series of values, one per category (`None` where unknown).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub colour: RGBColor,
    /// Drawn dashed (for example a p90 beside a median).
    pub dashed: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>, colour: RGBColor) -> Series {
        Series {
            name: name.into(),
            values,
            colour,
            dashed: false,
        }
    }

    pub fn counts(name: impl Into<String>, values: &[usize], colour: RGBColor) -> Series {
        Series::new(
            name,
            values.iter().map(|&v| Some(v as f64)).collect(),
            colour,
        )
    }

    pub fn dashed(mut self) -> Series {
        self.dashed = true;
        self
    }
}

/// How the y axis reads.
#[derive(Clone, Copy, PartialEq)]
pub enum Scale {
    /// Whole numbers from zero.
    Count,
    /// 0 to 100, labelled with `%`.
    Percent,
    /// Any non-negative number.
    Amount,
}

/// Bars per category, the series stacked bottom to top in order.
pub fn stacked_bars(spec: &ChartSpec, series: &[Series]) -> Result<String> {
    let totals: Vec<f64> = (0..spec.categories.len())
        .map(|i| {
            series
                .iter()
                .filter_map(|s| s.values.get(i).copied().flatten())
                .sum()
        })
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    draw(
        spec,
        series,
        Mark::Block,
        Scale::Count,
        max,
        |chart, series| {
            let mut base = vec![0.0f64; spec.categories.len()];
            for s in series {
                let bars: Vec<Rectangle<(SegmentValue<u32>, f64)>> = s
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        let v = v.filter(|v| *v > 0.0)?;
                        let (low, high) = (base[i], base[i] + v);
                        base[i] = high;
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(i as u32), low),
                                (SegmentValue::Exact(i as u32 + 1), high),
                            ],
                            s.colour.filled(),
                        );
                        bar.set_margin(0, 0, 1, 1);
                        Some(bar)
                    })
                    .collect();
                chart.draw_series(bars).map_err(plot_error)?;
            }
            Ok(())
        },
    )
}

/// One line per series, joining the known values.
pub fn lines(spec: &ChartSpec, series: &[Series], scale: Scale) -> Result<String> {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied().flatten())
        .fold(0.0, f64::max);
    draw(spec, series, Mark::Line, scale, max, |chart, series| {
        for s in series {
            let style = ShapeStyle::from(&s.colour).stroke_width(2);
            let point = |i: usize, v: f64| (SegmentValue::CenterOf(i as u32), v);
            // Quarters without data are skipped, and the line joins the
            // neighbours: a trend read across a quiet quarter.
            let points: Vec<(SegmentValue<u32>, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| point(i, v)))
                .collect();
            let runs = [points];
            for run in &runs {
                if s.dashed {
                    chart
                        .draw_series(DashedLineSeries::new(run.iter().cloned(), 6, 4, style))
                        .map_err(plot_error)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(run.iter().cloned(), style))
                        .map_err(plot_error)?;
                }
            }
            let colour = s.colour;
            let dashed = s.dashed;
            chart
                .draw_series(
                    runs.iter().flatten().map(|p| {
                        Circle::new(p.clone(), if dashed { 2 } else { 3 }, colour.filled())
                    }),
                )
                .map_err(plot_error)?;
        }
        Ok(())
    })
}

type SegmentedChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordu32>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Shared frame: background, axes, labels, legend; `body` draws the data.
/// How the legend shows a series.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Block,
    Line,
}

fn draw(
    spec: &ChartSpec,
    series: &[Series],
    mark: Mark,
    scale: Scale,
    max: f64,
    body: impl FnOnce(&mut SegmentedChart, &[Series]) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let width = if is_wide(spec.categories.len()) {
            WIDE_WIDTH
        } else {
            WIDTH
        };
        let root = SVGBackend::with_string(&mut svg, (width, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (legend, plot) =
            root.split_vertically(if series.len() > 1 { LEGEND_HEIGHT } else { 0 });
        if series.len() > 1 {
            draw_legend(&legend, series, mark)?;
        }
        let categories = spec.categories.len().max(1) as u32;
        let (y_max, y_labels) = y_axis(scale, max);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d((0u32..categories).into_segmented(), 0f64..y_max)
            .map_err(plot_error)?;
        let labels = spec.categories;
        // As many labels as fit side by side (about 7 px a character at 13 px).
        let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
        let fit = (width - 56 - 24) / (widest * 7 + 16);
        let label_count = labels.len().min(fit as usize).max(1);
        let x_formatter = |value: &SegmentValue<u32>| match value {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                labels.get(*i as usize).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        };
        let y_formatter = |value: &f64| match scale {
            Scale::Percent => format!("{value:.0}%"),
            Scale::Count => format!("{value:.0}"),
            Scale::Amount if y_max <= 5.0 => format!("{value:.1}"),
            Scale::Amount => format!("{value:.0}"),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            // The light grid lines are white on white: drawn as few as
            // plotters allows (one a label; 0 makes it loop forever)
            // instead of ten, hundreds of invisible elements a page.
            .max_light_lines(1)
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(0xdf, 0xe2, 0xe6))
            .axis_style(RGBColor(0x59, 0x62, 0x6c))
            .x_labels(label_count)
            .y_labels(y_labels)
            .x_label_formatter(&x_formatter)
            .y_label_formatter(&y_formatter)
            .y_desc(spec.y_label)
            .label_style(
                ("sans-serif", 13)
                    .into_font()
                    .color(&RGBColor(0x1b, 0x1f, 0x24)),
            )
            .draw()
            .map_err(plot_error)?;
        body(&mut chart, series)?;
        root.present().map_err(plot_error)?;
    }
    Ok(accessible(&svg, spec))
}

/// A one-line legend: a swatch and the name of each series, left to right.
fn draw_legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    series: &[Series],
    mark: Mark,
) -> Result<()> {
    let font = ("sans-serif", 13)
        .into_font()
        .color(&RGBColor(0x1b, 0x1f, 0x24));
    let mut x: i32 = 62;
    let y: i32 = LEGEND_HEIGHT as i32 / 2 + 2;
    for s in series {
        match mark {
            Mark::Block => area
                .draw(&Rectangle::new(
                    [(x, y - 6), (x + 12, y + 6)],
                    s.colour.filled(),
                ))
                .map_err(plot_error)?,
            Mark::Line if s.dashed => {
                for dash in 0..3 {
                    let start = x + dash * 7;
                    area.draw(&PathElement::new(
                        vec![(start, y), (start + 4, y)],
                        s.colour.stroke_width(2),
                    ))
                    .map_err(plot_error)?;
                }
            }
            Mark::Line => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 18, y)],
                    s.colour.stroke_width(3),
                ))
                .map_err(plot_error)?,
        }
        let label_x = x + if mark == Mark::Block { 18 } else { 24 };
        area.draw(&Text::new(
            s.name.clone(),
            (label_x, y),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(plot_error)?;
        let (text_width, _) = area
            .estimate_text_size(&s.name, &font)
            .map_err(plot_error)?;
        x = label_x + text_width as i32 + 18;
    }
    Ok(())
}

/// The top of the y axis and how many labels it gets, so counts get whole
/// numbers.
fn y_axis(scale: Scale, max: f64) -> (f64, usize) {
    match scale {
        Scale::Percent => (100.0, 6),
        Scale::Count => {
            let top = (max * 1.1).ceil().max(1.0);
            (top, (top as usize + 1).min(6))
        }
        Scale::Amount => ((max * 1.1).max(1.0), 6),
    }
}

/// Adds `role`, `aria-labelledby`, `<title>` and `<desc>` to plotters' SVG.
fn accessible(svg: &str, spec: &ChartSpec) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let open_end = svg[start..].find('>').map_or(svg.len(), |i| start + i);
    let id = escape(spec.id);
    format!(
        "{head} class=\"chart-svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">\n<title id=\"{id}-title\">{title}</title>\n<desc id=\"{id}-desc\">{desc}</desc>{rest}",
        head = svg[start..open_end].trim_end_matches('/'),
        title = escape(spec.title),
        desc = escape(spec.description),
        rest = &svg[(open_end + 1).min(svg.len())..],
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn plot_error<E: std::fmt::Debug>(error: E) -> anyhow::Error {
    anyhow!("cannot draw a chart: {error:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(categories: &'a [String]) -> ChartSpec<'a> {
        ChartSpec {
            id: "test",
            title: "Incidents & <things>",
            description: "A test chart.",
            categories,
            y_label: "incidents",
        }
    }

    #[test]
    fn bars_are_accessible_svg() {
        let categories: Vec<String> = ["2024-01", "2024-02", "2024-03"].map(String::from).to_vec();
        let svg = stacked_bars(
            &spec(&categories),
            &[
                Series::counts("SEV-1", &[1, 0, 2], SEVERITY_COLOURS[0]),
                Series::counts("SEV-2", &[0, 3, 1], SEVERITY_COLOURS[1]),
            ],
        )
        .expect("chart");
        assert!(svg.starts_with("<svg "), "{}", &svg[..80]);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"test-title\">Incidents &amp; &lt;things&gt;</title>"));
        assert!(svg.contains("<desc id=\"test-desc\">A test chart.</desc>"));
        assert!(svg.contains("2024-02"));
    }

    #[test]
    fn lines_join_known_values() {
        let categories: Vec<String> = ["Q1", "Q2", "Q3"].map(String::from).to_vec();
        let svg = lines(
            &spec(&categories),
            &[Series::new(
                "median",
                vec![Some(3.0), None, Some(5.0)],
                PALETTE[0],
            )],
            Scale::Amount,
        )
        .expect("chart");
        assert!(svg.contains("<circle"));
        assert!(svg.ends_with("</svg>\n") || svg.ends_with("</svg>"));
    }
}
