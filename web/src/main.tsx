import { render } from 'preact';

render(<p>Labwire</p>, document.getElementById('app')!);
