import { token } from './api.js';
import { el } from './dom.js';
import { showRun } from './run-view.js';
import { showRuns } from './runs-list.js';

// The dashboard: #/runs lists the runs, #/runs/<id> shows one. A token given as #token=… is kept
// for this tab and sent as a bearer header with every request.

let stop = () => {};

function route() {
  token();
  stop();
  const main = document.getElementById('main');
  const run = /^#\/runs\/(.+)$/u.exec(location.hash);
  if (run) stop = showRun(main, decodeURIComponent(run[1]));
  else if (location.hash === '' || location.hash === '#/runs') stop = showRuns(main);
  else {
    stop = () => {};
    main.replaceChildren(el('p', {}, 'Nothing here. ', el('a', { href: '#/runs' }, 'The runs')));
  }
}

window.addEventListener('hashchange', route);
route();
