// The reporting dashboard: totals from GET /totals, kept live by the SSE stream of deal events
// (GET /events/stream, resumed with Last-Event-ID). Plain script, no build step; ECharts is served
// by reporting itself from the npm package (no CDN).
(function () {
  'use strict';

  const EVENT_LABELS = {
    'cn.techtransfer.deal.opened.v1': '达成合作意向',
    'cn.techtransfer.contract.signed.v1': '签订技术合同',
    'cn.techtransfer.contract.registered.v1': '技术合同认定登记',
    'cn.techtransfer.contract.registered.v2': '登记信息（登记机构）',
    'cn.techtransfer.transaction.logged.v1': '计入技术交易',
    'cn.techtransfer.transaction.logged.v2': '计入技术交易（含登记字段）',
    'cn.techtransfer.transaction.corrected.v1': '登记更正',
    'cn.techtransfer.transaction.amended.v1': '合同变更',
    'cn.techtransfer.transaction.revoked.v1': '撤销登记',
    'cn.techtransfer.deal.cancelled.v1': '合作终止',
  };
  const FUNNEL_LABELS = { captured: '需求征集', matched: '完成匹配', accepted: '接受对接', contracted: '签订合同', registered: '认定登记' };

  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem('tt.token'), year: Number(sessionStorage.getItem('tt.year')) || new Date().getFullYear(), park: sessionStorage.getItem('tt.park') || '', lastEventId: undefined, stream: undefined };
  const charts = {};

  /** fen → 万元 with two decimals, as statistical reports print it. */
  const wan = (fen) => (fen / 1_000_000).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const pct = (g) => (g === null || g === undefined ? '上年同期无数据' : `同比 ${g >= 0 ? '+' : ''}${(g * 100).toFixed(1)}%`);

  function showSignIn(message) {
    $('sign-in').hidden = false;
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in-error').textContent = message || '';
    $('year').value = state.year;
    $('park').value = state.park;
  }

  async function api(path) {
    const response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
    if (response.status === 401 || response.status === 403) throw Object.assign(new Error('令牌无效、已过期或无权访问统计数据'), { auth: true });
    if (!response.ok) throw new Error(`请求失败（${response.status}）`);
    return response.json();
  }

  function totalsPath() {
    return `/totals?year=${state.year}${state.park ? `&parkId=${encodeURIComponent(state.park)}` : ''}`;
  }

  async function refresh() {
    const totals = await api(totalsPath());
    render(totals);
    return totals;
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  function render(t) {
    const r = t.registered;
    $('kpi-count').textContent = r.count.toLocaleString('zh-CN');
    $('kpi-count').dataset.value = String(r.count);
    $('kpi-count-growth').textContent = `上年 ${r.previousYear.count} 项`;
    $('kpi-contract-amount').textContent = wan(r.contractAmountFen);
    $('kpi-contract-amount').dataset.fen = String(r.contractAmountFen);
    $('kpi-contract-growth').textContent = pct(r.growth);
    $('kpi-tech-amount').textContent = wan(r.techTransactionAmountFen);
    $('kpi-tech-amount').dataset.fen = String(r.techTransactionAmountFen);
    $('kpi-tech-note').textContent = r.contractAmountFen ? `占成交额 ${((r.techTransactionAmountFen / r.contractAmountFen) * 100).toFixed(1)}%` : '';
    const f = t.funnel;
    $('kpi-funnel').textContent = `${f.registered} / ${f.captured}`;
    $('kpi-funnel-note').textContent = f.captured ? `转化率 ${((f.registered / f.captured) * 100).toFixed(1)}%` : '';
    $('scope').textContent = `${t.scope.year} 年 · ${t.scope.parkId ? `园区 ${t.scope.parkId}` : '全部园区'}`;
    $('updated-at').textContent = `更新于 ${new Date().toLocaleTimeString('zh-CN')}`;

    const months = t.byMonth.map((m) => `${Number(m.month.slice(5))}月`);
    chart('chart-months').setOption({
      tooltip: { trigger: 'axis' },
      legend: { data: ['本年成交额（万元）', '上年同期（万元）', '同比'] },
      xAxis: { type: 'category', data: months },
      yAxis: [{ type: 'value', name: '万元' }, { type: 'value', name: '同比 %', axisLabel: { formatter: '{value}%' } }],
      series: [
        { name: '本年成交额（万元）', type: 'bar', data: t.byMonth.map((m) => m.contractAmountFen / 1_000_000) },
        { name: '上年同期（万元）', type: 'bar', data: t.byMonth.map((m) => m.previousYear.contractAmountFen / 1_000_000) },
        { name: '同比', type: 'line', yAxisIndex: 1, data: t.byMonth.map((m) => (m.growth === null ? null : Math.round(m.growth * 1000) / 10)) },
      ],
    }, true);
    const bars = (id, rows, label) =>
      chart(id).setOption({
        tooltip: { trigger: 'axis' },
        grid: { left: 100 },
        xAxis: { type: 'value', name: '万元' },
        yAxis: { type: 'category', data: rows.map(label) },
        series: [{ type: 'bar', name: '合同成交额（万元）', data: rows.map((row) => row.contractAmountFen / 1_000_000) }],
      }, true);
    bars('chart-parks', t.byPark, (row) => row.key);
    const pie = (id, rows) =>
      chart(id).setOption({
        tooltip: { trigger: 'item', formatter: '{b}: {c} 万元 ({d}%)' },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: rows.map((row) => ({ name: row.label || row.key, value: row.contractAmountFen / 1_000_000 })) }],
      }, true);
    pie('chart-fields', t.byTechnicalField);
    pie('chart-types', t.byContractType);
    const provinces = [...new Set([...t.techOutputByRegion, ...t.techAbsorptionByRegion].map((row) => row.key))];
    const amountIn = (rows, key) => (rows.find((row) => row.key === key)?.techTransactionAmountFen ?? 0) / 1_000_000;
    const labelOf = (key) => [...t.techOutputByRegion, ...t.techAbsorptionByRegion].find((row) => row.key === key)?.label || key;
    chart('chart-flows').setOption({
      tooltip: { trigger: 'axis' },
      legend: { data: ['技术输出（万元）', '技术吸纳（万元）'] },
      xAxis: { type: 'category', data: provinces.map(labelOf) },
      yAxis: { type: 'value', name: '万元' },
      series: [
        { name: '技术输出（万元）', type: 'bar', data: provinces.map((p) => amountIn(t.techOutputByRegion, p)) },
        { name: '技术吸纳（万元）', type: 'bar', data: provinces.map((p) => amountIn(t.techAbsorptionByRegion, p)) },
      ],
    }, true);
    chart('chart-funnel').setOption({
      tooltip: { trigger: 'item', formatter: '{b}: {c}' },
      series: [{ type: 'funnel', sort: 'none', data: Object.keys(FUNNEL_LABELS).map((k) => ({ name: FUNNEL_LABELS[k], value: f[k] })) }],
    }, true);
  }

  function setLive(on, text) {
    $('live-status').className = `status ${on ? 'on' : 'off'}`;
    $('live-status').textContent = text;
  }

  function showEvent(e) {
    const item = document.createElement('li');
    const amount = e.data && typeof e.data.contractAmountFen === 'number' ? ` · ${wan(e.data.contractAmountFen)} 万元` : '';
    item.textContent = `${new Date(e.time).toLocaleString('zh-CN')} ${EVENT_LABELS[e.type] || e.type}${e.parkId ? ` · ${e.parkId}` : ''}${amount}`;
    $('live-events').prepend(item);
    while ($('live-events').children.length > 30) $('live-events').lastChild.remove();
  }

  let pending;
  const refreshSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => refresh().catch(() => undefined), 300);
  };

  /** The SSE stream read with fetch (EventSource cannot send the bearer token); resumes from the last id. */
  async function stream() {
    const controller = new AbortController();
    state.stream = controller;
    const headers = { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' };
    if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId;
    const url = `/events/stream${state.park ? `?parkId=${encodeURIComponent(state.park)}` : ''}`;
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      setLive(true, '实时更新中');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) state.lastEventId = line.slice(3).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (data) {
            showEvent(JSON.parse(data));
            refreshSoon();
          }
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    if (state.stream !== controller || controller.signal.aborted) return;
    setLive(false, '连接中断，正在重连');
    setTimeout(stream, 2000);
  }

  async function enter() {
    $('sign-in').hidden = true;
    $('board').hidden = false;
    $('sign-out').hidden = false;
    try {
      await refresh();
    } catch (error) {
      return showSignIn(error.message);
    }
    stream();
  }

  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    state.year = Number($('year').value) || new Date().getFullYear();
    state.park = $('park').value.trim();
    sessionStorage.setItem('tt.token', state.token);
    sessionStorage.setItem('tt.year', String(state.year));
    sessionStorage.setItem('tt.park', state.park);
    enter();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem('tt.token');
    state.token = null;
    state.stream?.abort();
    setLive(false, '未连接');
    showSignIn();
  });
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

  if (state.token) enter();
  else showSignIn();
})();
