export { dashboardFeature, DASHBOARD_ASSET_PREFIX, DASHBOARD_CSP } from './dashboard-feature';
