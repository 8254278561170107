import { Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { axisLabel, formatDateTime } from '../format/dates';
import { formatMoney } from '../format/money';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Filler);

export interface BalancePoint {
  /** Epoch ms. */
  at: number;
  /** Minor units. */
  balance: number;
}

/**
 * An account's balance over time, drawn by Chart.js (installed from npm and bundled: no CDN). The
 * same points are in a table for screen readers, and its caption names the latest balance.
 */
export function BalanceChart({ points, currency }: { points: BalancePoint[]; currency: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', { x: number; y: number }[]> | null>(null);
  const data = points.map((p) => ({ x: p.at, y: p.balance }));
  // Read by the axis callback at each draw: the chart is made once per currency, the points change.
  const span = useRef(0);
  span.current = data.length ? data[data.length - 1]!.x - data[0]!.x : 0;

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: {
        datasets: [
          { data: [], borderColor: '#0b5cad', backgroundColor: 'rgba(11, 92, 173, 0.12)', fill: true, stepped: true, pointRadius: 2 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => formatMoney(Number(item.parsed.y), currency),
              title: (items) => formatDateTime(new Date(Number(items[0]?.parsed.x))),
            },
          },
        },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 5, callback: (value) => axisLabel(Number(value), span.current) } },
          y: { ticks: { maxTicksLimit: 5, callback: (value) => formatMoney(Math.round(Number(value)), currency) } },
        },
      },
    });
    return () => chart.current?.destroy();
  }, [currency]);

  useEffect(() => {
    if (!chart.current) return;
    chart.current.data.datasets[0]!.data = data;
    chart.current.update();
  });

  const latest = points[points.length - 1];
  return (
    <figure class="chart">
      <figcaption id="chart-caption">
        Balance over time{latest ? `: ${formatMoney(latest.balance, currency)} on ${formatDateTime(new Date(latest.at))}` : ''}
      </figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-labelledby="chart-caption" />
      </div>
      <table class="visually-hidden" aria-label="Balance over time">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Balance</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p, i) => (
            <tr key={i}>
              <td>{formatDateTime(new Date(p.at))}</td>
              <td>{formatMoney(p.balance, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
