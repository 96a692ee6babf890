//! Equipment on the cloud (设备上云): the closed lists a device is described by ([`kinds`]), one
//! reading from a device and the checks it must pass ([`reading`]), and the KPIs computed from
//! summed readings ([`kpi`]: OEE, energy per unit, utilisation) in exact integer arithmetic.

pub mod kinds;
pub mod kpi;
pub mod reading;
