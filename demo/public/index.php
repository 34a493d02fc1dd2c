<?php
// The demo page: proves which PHP runs inside ePHPm.
$opcache = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
$opcacheOn = is_array($opcache) && !empty($opcache['opcache_enabled']);
$rows = [
    'PHP version' => PHP_VERSION,
    'Thread safety (ZTS)' => PHP_ZTS ? 'enabled' : 'disabled',
    'SAPI' => PHP_SAPI,
    'OPcache' => $opcacheOn ? 'enabled' : 'disabled',
    'OPcache hits' => $opcacheOn ? (string) $opcache['opcache_statistics']['hits'] : '-',
    'Server software' => $_SERVER['SERVER_SOFTWARE'] ?? '-',
    'Extensions' => implode(', ', get_loaded_extensions()),
];
?>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ePHPm demo</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <h1>ePHPm is serving PHP</h1>
  <table>
<?php foreach ($rows as $name => $value): ?>
    <tr><th><?= htmlspecialchars($name) ?></th><td><?= htmlspecialchars($value) ?></td></tr>
<?php endforeach; ?>
  </table>
  <p>This page is <code>demo/public/index.php</code>; its stylesheet is a static file.</p>
</body>
</html>
