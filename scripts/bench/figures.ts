// How the report prints a figure: '–' where there was nothing to measure (NaN).

export const ms = (value: number) => (Number.isNaN(value) ? '–' : String(Math.round(value)));
export const perSecond = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
export const percent = (ratio: number) => (Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : '–');
